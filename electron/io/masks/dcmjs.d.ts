// The part of dcmjs Apprentice uses (the package ships no typings): writing a naturalized data set.
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
      };
    };
  };
  export default dcmjs;
}
