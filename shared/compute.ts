/** What the compute engine reports about itself: shown in the About panel, the CLI and the log. */
export const COMPUTE_BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'native', 'cpu'] as const;
export type ComputeBackendChoice = (typeof COMPUTE_BACKEND_CHOICES)[number];

/** Where ONNX teachers run (onnxruntime execution provider); 'auto': CUDA if installed, else WebGPU on a GPU, else CPU. */
export const TEACHER_PROVIDER_CHOICES = ['auto', 'cuda', 'webgpu', 'cpu'] as const;
export type TeacherProviderChoice = (typeof TEACHER_PROVIDER_CHOICES)[number];

/** The WebGPU adapter Dawn found, reported whether or not the engine uses it. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  /** The driver's own description, which names the driver and its version (e.g. "NVIDIA: 550.54"). */
  description: string;
  /**
   * A software rasteriser (Mesa's lavapipe, SwiftShader): correct but slower than the native CPU
   * kernels, so 'auto' never trains on it; only an explicit request (tests, CI) uses it.
   */
  software: boolean;
  /** Largest single buffer and storage binding the device allows (bytes): bounds batch x image size. */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface ComputeInfo {
  /** The tfjs backend in use, e.g. 'tensorflow', 'webgpu', 'native-cpu' (our addon kernels), 'cpu'. */
  backend: string;
  /** What the user asked for (setting or APPRENTICE_BACKEND), 'auto' by default. */
  requested: ComputeBackendChoice;
  /** Every backend that was tried, best first, with why it was or was not taken. */
  candidates: { name: string; available: boolean; reason?: string }[];
  /** True when the fast native CPU kernels (N-API addon) are loaded. */
  nativeKernels: boolean;
  /** The BLAS/convolution library behind the native kernels, e.g. 'OpenBLAS 0.3.21'. */
  nativeLibrary?: string;
  /** The WebGPU adapter, when the optional packages are installed and Dawn found one. */
  gpu?: GpuAdapterInfo;
  threads: number;
  /** A message the user should see, e.g. "native kernels not built: training will be slow". */
  notice?: string;
  versions: Record<string, string>;
}
