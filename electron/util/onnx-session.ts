/** Opening an ONNX model in onnxruntime with an error that names the file (teacher import, export check). */
import * as ort from 'onnxruntime-node';
import { AppError, ErrorCode } from '../../shared/errors.js';

export async function loadOnnxSession(
  bytes: Uint8Array,
  path = 'the ONNX file',
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes);
  } catch (err) {
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path} is not a usable ONNX model: ${(err as Error).message.split('\n')[0]}`,
      { path },
    );
  }
}
