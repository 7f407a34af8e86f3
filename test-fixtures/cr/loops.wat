;; Checkpoint/restore fidelity: a long computation whose state lives in every
;; kind of place: loop-carried operand-stack values (multi-value loop params),
;; i64/f32/f64/v128 locals, a NaN with a payload, mutable globals, a table
;; (call_indirect), memory.grow and recursion. Prints progress and a checksum.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (global $calls (mut i64) (i64.const 0))
  (global $fsum (mut f64) (f64.const 0))
  (table 3 funcref)
  (elem (i32.const 0) $step_a $step_b $step_c)
  (type $step (func (param i64 i32) (result i64)))

  (func $print_i64 (param $v i64) (local $p i32) (local $neg i32)
    (local.set $p (i32.const 1100))
    (i32.store8 (i32.const 1100) (i32.const 10))
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then (local.set $neg (i32.const 1)) (local.set $v (i64.sub (i64.const 0) (local.get $v)))))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i64.store8 (local.get $p) (i64.add (i64.const 48) (i64.rem_u (local.get $v) (i64.const 10))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $l (i64.ne (local.get $v) (i64.const 0))))
    (if (local.get $neg) (then
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.const 45))))
    (i32.store (i32.const 1000) (local.get $p))
    (i32.store (i32.const 1004) (i32.sub (i32.const 1101) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 1000) (i32.const 1) (i32.const 1008))))

  (func $step_a (type $step) (i64.add (i64.mul (local.get 0) (i64.const 6364136223846793005)) (i64.extend_i32_u (local.get 1))))
  (func $step_b (type $step) (i64.xor (i64.rotl (local.get 0) (i64.const 17)) (i64.extend_i32_s (local.get 1))))
  (func $step_c (type $step) (i64.sub (local.get 0) (i64.shr_u (local.get 0) (i64.const 7))))

  ;; recursion with a loop inside each level
  (func $tree (param $d i32) (param $x i64) (result i64) (local $i i32)
    (global.set $calls (i64.add (global.get $calls) (i64.const 1)))
    (if (result i64) (i32.eqz (local.get $d))
      (then
        (loop $w
          (local.set $x (call_indirect (type $step) (local.get $x) (local.get $i) (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $w (i32.lt_u (local.get $i) (i32.const 50))))
        (local.get $x))
      (else
        (i64.add
          (call $tree (i32.sub (local.get $d) (i32.const 1)) (i64.add (local.get $x) (i64.const 1)))
          (call $tree (i32.sub (local.get $d) (i32.const 1)) (i64.mul (local.get $x) (i64.const 3)))))))

  (func $round (param $r i32) (result i64 f64)
    (local $f f32) (local $d f64) (local $v v128) (local $nan f32) (local $k i32)
    (local.set $nan (f32.reinterpret_i32 (i32.const 0x7fa00123)))
    (local.set $v (v128.const i32x4 1 2 3 4))
    (local.set $f (f32.convert_i32_u (local.get $r)))
    ;; loop carrying (i64 acc, f64 x) on the operand stack
    (i64.extend_i32_u (local.get $r))
    (f64.const 1.5)
    (loop $l (param i64 f64) (result i64 f64)
      (local.set $d (f64.add (f64.mul (local.get $d) (f64.const 0.999)) (f64.convert_i64_s (i64.and (call $tree (i32.const 7) (i64.extend_i32_u (local.get $k))) (i64.const 1023)))))
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $r))))
      (local.set $f (f32.add (local.get $f) (f32.const 0.25)))
      ;; stack: acc x -> acc' x'
      (f64.mul (f64.const 0.0001))
      (local.set $d (f64.add (local.get $d)))
      (i64.add (i64.trunc_f64_s (f64.floor (local.get $d))))
      (local.get $d)
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 1200))))
    ;; fold the other locals into the result so that a wrong restore shows
    (local.set $d)
    (i64.add (i64.extend_i32_u (i32.reinterpret_f32 (local.get $nan))))
    (i64.add (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v))))
    (i64.add (i64.trunc_f32_u (local.get $f)))
    (local.get $d))

  (func (export "_start") (local $r i32) (local $sum i64) (local $x f64)
    (loop $rounds
      (call $round (local.get $r))
      (local.set $x)
      (local.set $sum (i64.add (local.get $sum)))
      (global.set $fsum (f64.add (global.get $fsum) (local.get $x)))
      (drop (memory.grow (i32.const 1)))
      (i64.store (i32.mul (memory.size) (i32.const 60000)) (local.get $sum))
      (call $print_i64 (local.get $sum))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $r) (i32.const 12))))
    (call $print_i64 (global.get $calls))
    (call $print_i64 (i64.reinterpret_f64 (global.get $fsum)))
    (call $print_i64 (i64.extend_i32_u (memory.size)))
    (call $print_i64 (i64.load (i32.mul (memory.size) (i32.const 60000))))))
