import { describe, expect, it } from 'vitest';
import { Path } from '../../../src/check/path.js';

describe('Path', () => {
  it('returns the deepest frame with a thread left to explore and pops the ones below it', () => {
    const path = new Path();
    const a = path.push(0b11, 0, 0);
    path.backtrack[a] = 0b11;
    path.done[a] = 0b01;
    const b = path.push(0b11, 0, 0);
    path.backtrack[b] = 0b11;
    path.done[b] = 0b11;
    expect(path.nextBranch()).toBe(a);
    expect(path.len).toBe(1);
    expect(path.todo(a)).toBe(0b10);
  });

  it('does not offer sleeping, disabled or explored threads', () => {
    const path = new Path();
    const i = path.push(0b0111, 0b0010, 0);
    path.backtrack[i] = 0b1111;
    path.done[i] = 0b0001;
    expect(path.todo(i)).toBe(0b0100);
  });

  it('reports completion with -1 once every frame is exhausted', () => {
    const path = new Path();
    const i = path.push(0b1, 0, 0);
    path.backtrack[i] = 0b1;
    path.done[i] = 0b1;
    expect(path.nextBranch()).toBe(-1);
    expect(path.len).toBe(0);
  });

  it('grows past its initial capacity and keeps the frames', () => {
    const path = new Path();
    for (let i = 0; i < 1000; i++) {
      path.push(i, 0, i % 7);
      path.chosen[i] = i % 3;
    }
    expect(path.len).toBe(1000);
    expect(path.enabled[999]).toBe(999);
    expect(path.preemptions[500]).toBe(500 % 7);
    expect(path.schedule().slice(0, 4)).toEqual([0, 1, 2, 0]);
  });
});
