import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/engine.js';
import { RestartDedupe } from '../../src/queue/queue-engine.js';

const text = (delta: string): EngineEvent => ({ type: 'text', delta });
const task = (index: number): EngineEvent => ({
  type: 'task',
  call: { kind: 'image_generation', prompt: `p${index}`, index },
});
const warning: EngineEvent = {
  type: 'warning',
  code: 'unclosed_task_tag',
  kind: 'audio_generation',
  prompt: 'x',
};

describe('RestartDedupe (one answer across a worker restart)', () => {
  it('passes everything through on the first run', () => {
    const d = new RestartDedupe();
    d.restart();
    expect([text('a'), task(0), warning, text('b')].flatMap((e) => d.accept(e))).toEqual([
      text('a'),
      task(0),
      warning,
      text('b'),
    ]);
  });

  it('after a restart swallows the text, task calls and warnings already passed up, then continues', () => {
    const d = new RestartDedupe();
    d.restart();
    const before = [text('Once up'), task(0), warning, text('on')].flatMap((e) => d.accept(e));
    d.restart();
    const after = [text('Once'), task(0), text(' upon'), warning, text(' a time'), task(1)].flatMap((e) =>
      d.accept(e),
    );
    expect(before.concat(after).flatMap((e) => (e.type === 'text' ? [e.delta] : []))).toEqual([
      'Once up',
      'on',
      ' a time',
    ]);
    expect(after.filter((e) => e.type === 'task')).toEqual([task(1)]);
    expect(after.filter((e) => e.type === 'warning')).toEqual([]);
  });

  it('a restarted run that writes another text replaces it: restart, then the new text from its start', () => {
    const d = new RestartDedupe();
    d.restart();
    d.accept(text('Once upon'));
    d.restart();
    expect(d.accept(text('Once'))).toEqual([]);
    expect(d.accept(text(' more'))).toEqual([{ type: 'restart' }, text('Once more')]);
    expect(d.accept(text('!'))).toEqual([text('!')]);
  });
});
