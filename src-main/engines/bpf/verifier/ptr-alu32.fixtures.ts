/** 32-bit ALU with a pointer operand (adjust_ptr_min_max_vals() / adjust_reg_min_max_vals()): every op, K and X. */
const OPS = ['+=', '-=', '*=', '/=', '%=', '|=', '&=', '^=', '<<=', '>>=', 's>>='];

export function ptrAlu32Cases(): { name: string; asm: string }[] {
  const out: { name: string; asm: string }[] = [];
  for (const base of ['r1', 'r10'])
    for (const op of OPS)
      for (const rhs of ['0', '4', '-1', 'w2', 'ptr']) {
        const body = rhs === 'ptr' ? `w2 ${op} w3` : `w3 ${op} ${rhs}`;
        const name = rhs === 'ptr' ? `scalar ${op} ${base}` : `${base} ${op} ${rhs}`;
        out.push({ name, asm: `r2 = 7\nr3 = ${base}\n${body}\nr0 = 0\nexit` });
      }
  return out;
}
