import { describe, expect, it } from 'vitest';
import { asmScriptLines, asmScriptPosition } from './asm-source';

describe('asmScriptPosition', () => {
  it('maps a line:column inside a template literal to the script', () => {
    const asm = '\n  r0 = 0\n  r0 += r9\n  exit\n';
    const code = `const k = boot();\nconst p = k.bpf.prog_load(\`${asm}\`);\n`;
    // Line 3 of the asm is "  r0 += r9", which is script line 4; column 9 ("r9") stays column 9.
    expect(asmScriptPosition(code, false, asm, 3, 9)).toEqual({ line: 4, column: 9 });
    expect(asmScriptPosition(code, true, asm, 1, 1)).toEqual({ line: 2, column: 28 });
  });

  it('maps through the escapes of a plain string', () => {
    const code = "let k = boot();\nk.bpf.prog_load('r0 = 0\\nr0 += r9\\nexit');\n";
    // Line 2 of the program starts after the \\n escape: column 26 of script line 2.
    expect(asmScriptPosition(code, false, 'r0 = 0\nr0 += r9\nexit', 2, 1)).toEqual({ line: 2, column: 26 });
    expect(asmScriptPosition(code, false, 'r0 = 0\nr0 += r9\nexit', 2, 7)).toEqual({ line: 2, column: 32 });
  });

  it('picks the literal at or before the call among equal ones, and gives up on a built string', () => {
    const code = "const a = 'exit';\nconst b = 1;\nconst c = 'exit';\n";
    expect(asmScriptPosition(code, false, 'exit', 1, 1, 3)).toEqual({ line: 3, column: 12 });
    expect(asmScriptPosition(code, false, 'exit', 1, 1, 1)).toEqual({ line: 1, column: 12 });
    expect(asmScriptPosition(code, false, 'r0 = 0\nexit', 1, 1)).toBeUndefined();
  });
});

describe('asmScriptLines', () => {
  it("maps each instruction's asm line to the script's line, an ld_imm64's second half to none", () => {
    const asm = '\n  r1 = 1\n  r2 = 0x100000000 ll\n  exit\n';
    const code = `const k = boot();\nconst p = \`${asm}\`;\nk.bpf.prog_load({ asm: p });\n`;
    // The assembler's lines: insn 0 on asm line 2, the ld_imm64 (two slots) on line 3, exit on line 4.
    expect(asmScriptLines(code, false, asm, [2, 3, 0, 4])).toEqual([3, 4, 0, 5]);
    // A one-line string: every instruction is on the script line of the literal.
    const flat = "k.bpf.prog_load({ asm: 'r0 = 0\\nexit' });\n";
    expect(asmScriptLines(`let k;\n${flat}`, false, 'r0 = 0\nexit', [1, 2])).toEqual([2, 2]);
    expect(asmScriptLines('k.bpf.prog_load({ asm: a + b });', false, 'r0 = 0\nexit', [1, 2])).toBeUndefined();
  });
});
