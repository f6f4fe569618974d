// Types of native-libs.mjs for the TypeScript tests that import it.
export interface LddEntry {
  soname: string;
  /** null: not found (or the vDSO, which has no file) */
  path: string | null;
  virtual: boolean;
}
export declare const BASE_SYSTEM: Set<string>;
export declare const BUILT_ADDON: string;
export declare const PACKED_ADDON: string;
export declare function parseLdd(text: string): LddEntry[];
export declare function runLdd(file: string): LddEntry[];
export declare function debianPackageOf(file: string): string | null;
export declare function declaredPackages(depends: unknown): Set<string>;
export declare function missingLibraries(o: {
  libs: LddEntry[];
  bundledDir: string;
  declared: Set<string> | null;
  packageOf?: (file: string) => string | null;
}): string[];
export declare function bundleNativeLibs(addon: string): string[];
