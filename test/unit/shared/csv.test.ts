import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvText } from '../../../shared/csv.js';

describe('csvText (the one CSV writer)', () => {
  it('quotes a field exactly when it holds a comma, a quote or a line break', () => {
    // The former writers disagreed: one quoted on [",\n], one on [,"] only (a CR or LF in a name broke the
    // row), one never. The rule is csv-stringify's: comma, quote, LF or CR.
    const text = csvText(
      ['name', 'value'],
      [
        ['plain', 1],
        ['a,b', 2],
        ['say "hi"', 3],
        ['two\nlines', 4],
        ['cr\rhere', 5],
      ],
    );
    expect(text).toBe('name,value\nplain,1\n"a,b",2\n"say ""hi""",3\n"two\nlines",4\n"cr\rhere",5\n');
    expect(parse(text, { columns: true })).toEqual([
      { name: 'plain', value: '1' },
      { name: 'a,b', value: '2' },
      { name: 'say "hi"', value: '3' },
      { name: 'two\nlines', value: '4' },
      { name: 'cr\rhere', value: '5' },
    ]);
  });

  it('writes missing values as empty fields, numbers as printed, and ends with a newline', () => {
    expect(csvText(['a', 'b', 'c'], [[null, undefined, 0.25]])).toBe('a,b,c\n,,0.25\n');
    expect(csvText(['only'], [])).toBe('only\n');
  });
});
