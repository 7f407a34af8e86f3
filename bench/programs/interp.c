/* A small stack-based bytecode interpreter (switch dispatch) running a program that
 * counts primes below N by trial division and sums a Collatz-length statistic. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
enum { PUSH, LOAD, STORE, ADD, SUB, MUL, DIV, MOD, LT, LE, EQ, JMP, JZ, JNZ, DUP, POP, AND, SHR, HALT };
static int64_t run(const int32_t *code, int64_t *vars) {
  int64_t st[64]; int sp = 0; int pc = 0;
  for (;;) {
    int32_t op = code[pc++];
    switch (op) {
      case PUSH: st[sp++] = code[pc++]; break;
      case LOAD: st[sp++] = vars[code[pc++]]; break;
      case STORE: vars[code[pc++]] = st[--sp]; break;
      case ADD: sp--; st[sp - 1] += st[sp]; break;
      case SUB: sp--; st[sp - 1] -= st[sp]; break;
      case MUL: sp--; st[sp - 1] *= st[sp]; break;
      case DIV: sp--; st[sp - 1] /= st[sp]; break;
      case MOD: sp--; st[sp - 1] %= st[sp]; break;
      case LT: sp--; st[sp - 1] = st[sp - 1] < st[sp]; break;
      case LE: sp--; st[sp - 1] = st[sp - 1] <= st[sp]; break;
      case EQ: sp--; st[sp - 1] = st[sp - 1] == st[sp]; break;
      case AND: sp--; st[sp - 1] &= st[sp]; break;
      case SHR: sp--; st[sp - 1] >>= st[sp]; break;
      case JMP: pc = code[pc]; break;
      case JZ: pc = st[--sp] ? pc + 1 : code[pc]; break;
      case JNZ: pc = st[--sp] ? code[pc] : pc + 1; break;
      case DUP: st[sp] = st[sp - 1]; sp++; break;
      case POP: sp--; break;
      case HALT: return sp ? st[sp - 1] : 0;
      default: printf("bad opcode %d\n", op); exit(1);
    }
  }
}
/* variables: 0=n 1=limit 2=count 3=d 4=isprime 5=x 6=steps 7=total */
static int32_t prog[512]; static int np;
static int emit(int32_t v) { prog[np] = v; return np++; }
int main(int argc, char **argv) {
  int limit = argc > 1 ? atoi(argv[1]) : 70000;
  /* n = 2; count = 0; total = 0 */
  emit(PUSH); emit(2); emit(STORE); emit(0);
  emit(PUSH); emit(0); emit(STORE); emit(2);
  emit(PUSH); emit(0); emit(STORE); emit(7);
  int loop = np;                                    /* while (n < limit) */
  emit(LOAD); emit(0); emit(LOAD); emit(1); emit(LT); emit(JZ); int jend = emit(0);
  emit(PUSH); emit(1); emit(STORE); emit(4);        /* isprime = 1 */
  emit(PUSH); emit(2); emit(STORE); emit(3);        /* d = 2 */
  int dl = np;                                      /* while (d*d <= n) */
  emit(LOAD); emit(3); emit(DUP); emit(MUL); emit(LOAD); emit(0); emit(LE); emit(JZ); int jdend = emit(0);
  emit(LOAD); emit(0); emit(LOAD); emit(3); emit(MOD); emit(JNZ); int jnd = emit(0);
  emit(PUSH); emit(0); emit(STORE); emit(4); emit(JMP); int jbrk = emit(0);   /* isprime = 0; break */
  prog[jnd] = np;
  emit(LOAD); emit(3); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(3); emit(JMP); emit(dl);
  prog[jdend] = np; prog[jbrk] = np;
  emit(LOAD); emit(2); emit(LOAD); emit(4); emit(ADD); emit(STORE); emit(2); /* count += isprime */
  /* collatz: x = n; steps = 0; while (x != 1) { x = x&1 ? 3x+1 : x>>1; steps++ } total += steps */
  emit(LOAD); emit(0); emit(STORE); emit(5); emit(PUSH); emit(0); emit(STORE); emit(6);
  int cl = np;
  emit(LOAD); emit(5); emit(PUSH); emit(1); emit(EQ); emit(JNZ); int jcend = emit(0);
  emit(LOAD); emit(5); emit(PUSH); emit(1); emit(AND); emit(JZ); int jeven = emit(0);
  emit(LOAD); emit(5); emit(PUSH); emit(3); emit(MUL); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(5); emit(JMP); int jnext = emit(0);
  prog[jeven] = np;
  emit(LOAD); emit(5); emit(PUSH); emit(1); emit(SHR); emit(STORE); emit(5);
  prog[jnext] = np;
  emit(LOAD); emit(6); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(6); emit(JMP); emit(cl);
  prog[jcend] = np;
  emit(LOAD); emit(7); emit(LOAD); emit(6); emit(ADD); emit(STORE); emit(7);
  emit(LOAD); emit(0); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(0); emit(JMP); emit(loop);
  prog[jend] = np;
  emit(LOAD); emit(2); emit(HALT);
  int64_t vars[8] = {0};
  int64_t total = 0, primes = 0;
  for (int rep = 0; rep < 3; rep++) {
    vars[1] = limit + rep;
    primes = run(prog, vars);
    total += vars[7];
  }
  printf("bytecode: %d ops, primes below %d: %lld, collatz steps total %lld\n", np, limit + 2, (long long)primes, (long long)total);
  return 0;
}
