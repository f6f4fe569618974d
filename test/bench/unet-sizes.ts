/**
 * The engine benchmark's two U-Nets, as ../shared/bench/torch_unet.py sizes them: every benchmark that
 * compares with it (bench:engine, bench:gpu, the GPU kit's check) times these.
 */
export const UNET_SIZES = {
  tiny: { filters: [8, 16, 32], size: 128, batch: 8 },
  big: { filters: [32, 64, 128, 256], size: 256, batch: 4 },
} as const;
export type UNetSizeName = keyof typeof UNET_SIZES;

/** A size as the PyTorch scripts' flags (torch_unet.py, gpu/torch_unet_device.py take the same ones). */
export function torchSizeArgs(name: UNetSizeName): string[] {
  const s = UNET_SIZES[name];
  return ['--filters', s.filters.join(','), '--size', String(s.size), '--batch', String(s.batch)];
}
