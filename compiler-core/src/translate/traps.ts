/** Trap reasons; the numbers are `enum wrt_trap_code` in runtime/include/wrt.h. */
export enum TrapCode {
  Unreachable = 1,
  IntDivByZero = 2,
  IntOverflow = 3,
  InvalidConversion = 4,
  OobMemory = 5,
  OobTable = 6,
  UndefinedElement = 7,
  UninitializedElement = 8,
  IndirectCallTypeMismatch = 9,
  StackExhausted = 10,
  NullReference = 11,
}
