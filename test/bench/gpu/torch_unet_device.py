#!/usr/bin/env python3
"""The U-Net of ../shared/bench/torch_unet.py (same layers, loss, optimizer and protocol), on a chosen
device: the PyTorch reference for `test/bench/gpu-check.sh` on a GPU machine.

  torch_unet_device.py --device cuda --filters 32,64,128,256 --size 256 --batch 4
Prints one JSON line with train/inference medians in ms (CUDA work is synchronised before each clock read).
"""
import argparse, json, time
import torch, torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument('--device', default='cuda')
p.add_argument('--filters', default='8,16,32')
p.add_argument('--size', type=int, default=128)
p.add_argument('--batch', type=int, default=8)
p.add_argument('--steps', type=int, default=5)
a = p.parse_args()
torch.manual_seed(0)
dev = torch.device(a.device)
filters = [int(x) for x in a.filters.split(',')]


def block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.enc, c = nn.ModuleList(), 1
        for x in f[:-1]:
            self.enc.append(block(c, x)); c = x
        self.mid, c = block(c, f[-1]), f[-1]
        self.up, self.dec = nn.ModuleList(), nn.ModuleList()
        for x in reversed(f[:-1]):
            self.up.append(nn.ConvTranspose2d(c, x, 2, stride=2)); self.dec.append(block(2 * x, x)); c = x
        self.head = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x); skips.append(x); x = nn.functional.max_pool2d(x, 2)
        x = self.mid(x)
        for u, d in zip(self.up, self.dec):
            x = d(torch.cat([u(x), skips.pop()], 1))
        return self.head(x)


m = UNet(filters).to(dev).to(memory_format=torch.channels_last)
opt = torch.optim.Adam(m.parameters(), 1e-3)
loss = nn.BCEWithLogitsLoss()
x = torch.randn(a.batch, 1, a.size, a.size, device=dev).to(memory_format=torch.channels_last)
y = (torch.rand(a.batch, 1, a.size, a.size, device=dev) > 0.5).float()


def sync():
    if dev.type == 'cuda':
        torch.cuda.synchronize()


def step():
    opt.zero_grad(); l = loss(m(x), y); l.backward(); opt.step(); l.item()


def infer():
    with torch.no_grad():
        m(x).sum().item()


def median_ms(fn, n):
    ts = []
    for _ in range(n):
        sync(); t = time.perf_counter(); fn(); sync(); ts.append((time.perf_counter() - t) * 1000)
    return sorted(ts)[n // 2]


for _ in range(3):
    step()
train = median_ms(step, a.steps)
infer()
inf = median_ms(infer, a.steps)
print(json.dumps({
    'framework': 'pytorch', 'version': torch.__version__, 'device': str(dev),
    'gpu': torch.cuda.get_device_name(0) if dev.type == 'cuda' else None,
    'cudnn': torch.backends.cudnn.version() if dev.type == 'cuda' else None,
    'filters': filters, 'size': a.size, 'batch': a.batch,
    'train_ms_median': round(train, 2), 'infer_ms_median': round(inf, 2),
}))
