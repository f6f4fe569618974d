// The part of dcmjs Apprentice uses (the package ships no typings): writing a naturalized data set, and
// reading a file back into one.
declare module 'dcmjs' {
  interface DicomDictInstance {
    dict: Record<string, unknown>;
    write(): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMetaDictionary: {
        uid(): string;
        denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a naturalized data set is any DICOM
        naturalizeDataset(dict: Record<string, unknown>): Record<string, any>;
      };
      /** Reads a Part 10 file (tests read written SEGs back with it). */
      DicomMessage: {
        readFile(buffer: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, unknown> };
      };
    };
  };
  export default dcmjs;
}
