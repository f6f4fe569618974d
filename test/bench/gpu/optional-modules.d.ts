// The GPU check's packages are optional (installed with npm install --no-save, or bundled by make-kit.mjs):
// declared here so the project type-checks without them.
declare module 'webgpu';
declare module '@tensorflow/tfjs-backend-webgpu';
