/** Frame names: Rust's legacy mangling demangled, the hash left out; other names as they are. */
import { strict as assert } from 'node:assert';
import { demangleRust, sourceFunctionName } from '../src/dwarf/names';

describe('frame names', () => {
  it('Rust symbols (legacy mangling) demangled, escapes decoded, the hash left out', () => {
    assert.equal(demangleRust('_ZN3std2rt10lang_start17hc70e2bf6f3c34072E'), 'std::rt::lang_start');
    assert.equal(demangleRust('_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h8bcafb02b1c2326bE'), 'std::rt::lang_start::{{closure}}');
    assert.equal(demangleRust('_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0123456789abcdefE'),
      'core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>');
  });

  it('C++ symbols, C names and broken input stay as they are', () => {
    for (const n of ['_ZN7Counter7advanceEi', 'main', '__original_main', '_ZN3std17h0123E', '_ZNx17h0123456789abcdefE']) assert.equal(demangleRust(n), n);
  });

  it('a DWARF name of a Rust function without its hash', () => {
    assert.equal(sourceFunctionName('main::total::ha3e9759a76b0a143'), 'main::total');
    assert.equal(sourceFunctionName('Counter::advance(int)'), 'Counter::advance(int)');
  });
});
