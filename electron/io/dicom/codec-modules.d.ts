// Minimal typings for the Emscripten builds of the cornerstone codecs (they ship none). Each factory
// resolves to a module whose decoder class shares this shape.
interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
}
type WasmDecoderCtor = new () => WasmDecoder;
type WasmFactory<K extends string> = (opts?: object) => Promise<Record<K, WasmDecoderCtor>>;

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: WasmFactory<'J2KDecoder'>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: WasmFactory<'HTJ2KDecoder'>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: WasmFactory<'JpegLSDecoder'>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: WasmFactory<'JPEGDecoder'>;
  export default factory;
}
