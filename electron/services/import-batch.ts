/**
 * The slices an import has read but not yet stored, stored together: their pixel blobs in one
 * content-store batch (fsynced together) and their rows in one transaction. Per slice, a blob write, its
 * fsyncs and a commit of its own cost ~30 ms; a batch brings that to a few ms, which is what lets an
 * import keep pace with the disk on 50,000-slice projects. A batch is bounded in slices and bytes, so
 * memory stays bounded by the largest series, not the folder.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { BYTES_PER, type NewImage } from '../store/images.js';
import type { ProjectStore } from '../store/project-store.js';

export interface BatchLimits {
  slices: number;
  bytes: number;
}

/** A batch's bounds; tests lower them to watch an import batch by batch. */
export const IMPORT_BATCH_LIMITS: BatchLimits = { slices: 256, bytes: 64 * 2 ** 20 };

interface Pending {
  image: Omit<NewImage, 'pixelHash'>;
  pixels: Uint8Array;
  groundTruth?: Uint8Array;
}

export class ImportBatch {
  private pending: Pending[] = [];
  private bytes = 0;
  /** The batch being written while the import reads on; at most one, so memory holds two at most. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ProjectStore,
    private readonly limits: BatchLimits = IMPORT_BATCH_LIMITS,
  ) {}

  /**
   * Queues a slice (with its ground-truth mask, if any). A full batch is written in the background
   * while the caller reads the next files; this waits only for the batch before it.
   */
  async add(image: Omit<NewImage, 'pixelHash'>, pixels: Uint8Array, groundTruth?: Uint8Array): Promise<void> {
    const expected = image.rows * image.cols * image.channels * (BYTES_PER[image.dtype] ?? 0);
    if (pixels.length !== expected)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `${image.source.path}: pixel data has ${pixels.length} bytes, expected ${expected}`,
        { path: image.source.path },
      );
    this.pending.push({ image, pixels, ...(groundTruth ? { groundTruth } : {}) });
    this.bytes += pixels.length;
    if (this.pending.length >= this.limits.slices || this.bytes >= this.limits.bytes) {
      await this.writing;
      this.writing = this.write(this.take());
      this.writing.catch(() => {}); // the failure is reported by the next add() or flush()
    }
  }

  /** Stores everything queued; resolves when it is durable. */
  async flush(): Promise<void> {
    await this.writing;
    await this.write(this.take());
  }

  private take(): Pending[] {
    const batch = this.pending;
    this.pending = [];
    this.bytes = 0;
    return batch;
  }

  /** Blobs first (durable), then the rows in one transaction. */
  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    const hashes = await this.store.content.putMany(batch.map((p) => p.pixels));
    const records = this.store.images.addMany(batch.map((p, i) => ({ ...p.image, pixelHash: hashes[i]! })));
    batch.forEach((p, i) => {
      if (p.groundTruth)
        this.store.masks.put(records[i]!.id, { kind: 'ground_truth', pixels: p.groundTruth });
    });
  }
}
