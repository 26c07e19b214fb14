import { describe, expect, it } from 'vitest';
import { World } from '../../../../src/paths/world/world.js';
import { caught } from '../../../helpers/step-thread.js';

describe('PageAllocator', () => {
  it('hands a freed frame out again and marks the old page reused', () => {
    const w = new World();
    const cpu = w.spawn('t', function* () {});
    const a = w.alloc.newPage();
    w.alloc.__free_page(cpu, a, 'free');
    expect(a.tables[0].life).toBe('freed');
    const b = w.alloc.newPage();
    expect(b.pfn).toBe(a.pfn);
    expect(a.state).toBe('reused');
    expect(a.tables[0].life).toBe('reused');
    expect(b.tables[0].id).not.toBe(a.tables[0].id);
  });

  it('reports an access to a freed or reused table as a use-after-free', () => {
    const w = new World();
    const cpu = w.spawn('t', function* () {});
    const a = w.alloc.newPage();
    expect(caught(() => w.alloc.checkTable(cpu, a.tables[0], 'read'))).toBeUndefined();
    w.alloc.__free_page(cpu, a, 'free');
    expect(caught(() => w.alloc.checkTable(cpu, a.tables[0], 'read'))?.kind).toBe('use-after-free');
    w.alloc.newPage();
    const v = caught(() => w.alloc.checkTable(cpu, a.tables[0], 'read'));
    expect(v?.kind).toBe('use-after-free');
    expect(v?.message).toContain('reused');
  });

  it('reports freeing a page twice', () => {
    const w = new World();
    const cpu = w.spawn('t', function* () {});
    const a = w.alloc.newPage();
    w.alloc.__free_page(cpu, a, 'free');
    expect(caught(() => w.alloc.__free_page(cpu, a, 'free again'))?.kind).toBe('double-free');
  });

  it('cuts a page into fragments that share its lock and rcu_head', () => {
    const w = new World();
    const p = w.alloc.newPage(2);
    expect(p.tables).toHaveLength(2);
    expect(p.tables[0].page).toBe(p.tables[1].page);
  });
});
