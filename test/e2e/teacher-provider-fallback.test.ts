// End to end: a teacher asked to run on a GPU provider this machine does not have (onnxruntime's CUDA,
// not installed here) still pseudo-labels, on the CPU, and the Teachers screen says so under the job.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot, text } from '../helpers/browser.js';
import { SHARED_DIR } from '../helpers/temp.js';
import { useWebShellApp } from '../helpers/web-shell-app.js';

// The web shell inherits the environment: every ONNX teacher it opens asks for CUDA first.
process.env.APPRENTICE_TEACHER_PROVIDER = 'cuda';

describe('a teacher whose GPU provider fails', () => {
  const app = useWebShellApp({
    name: 'teacher-provider-fallback',
    viewport: { width: 1400, height: 1000 },
    project: { name: 'Fallback test', images: 2, dataset: 'transferal' },
  });

  it('pseudo-labels on the CPU and tells the user why, under the job', async () => {
    await app.page.goto(app.server.loginUrl);
    await app.page.getByTestId('nav-teachers').click();
    await app.page.getByTestId('teacher-path').fill(join(SHARED_DIR, 'teachers', 'unet-busi.json'));
    await app.page.getByTestId('add-teacher-button').click();
    await app.page.getByTestId('teacher-unet-busi').waitFor();
    await app.page.getByTestId('pl-start').click();
    await expect
      .poll(() => text(app.page.getByTestId('pl-summary')), { timeout: 90_000 })
      .toMatch(/2 image\(s\): 2 teacher maps computed/);
    const notice = app.page.getByTestId('pl-progress-notice');
    await notice.waitFor();
    expect(await text(notice)).toMatch(/teacher unet-busi: the cuda provider failed \(.+\); running on CPU/);
    await notice.scrollIntoViewIfNeeded();
    await screenshot(app.page, 'teacher-provider-fallback');
  });

  it('logged no console errors', () => {
    expect(app.errors).toEqual([]);
  });
});
