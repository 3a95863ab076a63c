import { describe, expect, it } from 'vitest';
import { cudaProviderInstalled, SessionFactory } from '../../../src/engine/onnx/execution-provider.js';
import { EMBED, PLAIN } from './fixtures.js';

class RecordingLogger {
  readonly warnings: { obj: object; msg: string }[] = [];
  warn(obj: object, msg: string): void {
    this.warnings.push({ obj, msg });
  }
}

describe('SessionFactory', () => {
  it('cpu: plans the CPU only', async () => {
    const logger = new RecordingLogger();
    const factory = new SessionFactory({ executionProvider: 'cpu', intraOpThreads: 1 }, logger);
    expect(factory.plan()).toEqual(['cpu']);
    const { provider, session } = await factory.create(EMBED);
    expect(provider).toBe('cpu');
    await session.release();
    expect(logger.warnings).toEqual([]);
  });

  it('auto: tries CUDA only when its provider library is installed', () => {
    const factory = new SessionFactory({ executionProvider: 'auto', intraOpThreads: 1 });
    expect(factory.plan()).toEqual(cudaProviderInstalled() ? ['cuda', 'cpu'] : ['cpu']);
  });

  it('cuda without CUDA libraries: warns once, then every model goes straight to the CPU', async () => {
    if (cudaProviderInstalled()) return; // a GPU host: the fallback path is not reachable here
    const logger = new RecordingLogger();
    const factory = new SessionFactory({ executionProvider: 'cuda', intraOpThreads: 1 }, logger);
    expect(factory.plan()).toEqual(['cuda', 'cpu']);
    const first = await factory.create(PLAIN);
    expect(first.provider).toBe('cpu');
    expect(factory.plan()).toEqual(['cpu']);
    const second = await factory.create(EMBED);
    expect(second.provider).toBe('cpu');
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]?.obj).toMatchObject({
      code: 'cuda_unavailable',
      requested: 'cuda',
      model: PLAIN,
    });
    await Promise.all([first.session.release(), second.session.release()]);
  });
});
