// UsageError formatting: file:line:col first, errno next, and no raw control characters.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/util/errors.js';

describe('UsageError.format', () => {
  it('puts the position and the errno before the message', () => {
    const e = new UsageError(
      'errno',
      'range overlaps a mapping',
      { file: 'w.ptw', line: 3, col: 9 },
      'EEXIST',
    );
    expect(e.format()).toBe('w.ptw:3:9: EEXIST: range overlaps a mapping');
  });

  it('escapes control characters from binary input, keeping tabs and text', () => {
    const e = new UsageError('parse', "unknown operation '\u007fELF\u0002\u0000x'\tok");
    expect(e.format()).toBe("unknown operation '\\x7fELF\\x02\\x00x'\tok");
  });
});
