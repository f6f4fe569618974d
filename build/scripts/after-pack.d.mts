// Types of after-pack.mjs for the TypeScript tests that import it.
export interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  targets: { name: string }[];
  packager: { config: { deb?: { depends?: unknown } | null } };
}
export declare function afterPack(context: PackContext): Promise<string[]>;
export default afterPack;
