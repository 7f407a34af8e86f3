;; Loop shapes whose checkpoint polls are strip-mined (compiler-core/src/cr/strip-loops.ts):
;; counted loops with every supported test (ne / lt_s / lt_u / gt_s / gt_u, bound first or
;; second, i' as the increment itself or a later local.get), strip ends near the ends of the
;; i32 range and across its wrap-around, loops with at most POLL_STRIDE iterations, data-dependent
;; loops; then a long nest of counted loops to checkpoint in.
;; Prints the iteration count and the final i of each loop, and a checksum.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)

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

  ;; iterations * 2^32 + final i
  (func $result (param $c i64) (param $i i32) (result i64)
    (i64.add (i64.shl (local.get $c) (i64.const 32)) (i64.extend_i32_u (local.get $i))))

  ;; i' != n, step 1, i' on the left
  (func $ne_up (param $i i32) (param $n i32) (result i64) (local $c i64)
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (call $result (local.get $c) (local.get $i)))

  ;; n != i', step 3, bound on the left
  (func $ne_step3 (param $i i32) (param $n i32) (result i64) (local $c i64)
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.ne (local.get $n) (local.tee $i (i32.add (local.get $i) (i32.const 3))))))
    (call $result (local.get $c) (local.get $i)))

  ;; br_if on i' itself (i' != 0), step -4
  (func $down4 (param $i i32) (result i64) (local $c i64)
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (local.tee $i (i32.add (local.get $i) (i32.const -4)))))
    (call $result (local.get $c) (local.get $i)))

  ;; i' <s n with the increment first in the body (inside a block) and `local.get $i` in the test
  (func $lt_s (param $i i32) (param $n i32) (result i64) (local $c i64)
    (loop $l
      (block $b
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $b (i32.and (local.get $i) (i32.const 1)))
        (local.set $c (i64.add (local.get $c) (i64.const 1))))
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (call $result (local.get $c) (local.get $i)))

  ;; i' <u n, step 7
  (func $lt_u (param $i i32) (param $n i32) (result i64) (local $c i64)
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 7))) (local.get $n))))
    (call $result (local.get $c) (local.get $i)))

  ;; i' <u 10, step 1 (can wrap past the top of the range)
  (func $lt_u_wrap (param $i i32) (result i64) (local $c i64)
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 10))))
    (call $result (local.get $c) (local.get $i)))

  ;; n <s i' (i' >s n), step -1
  (func $gt_s (param $i i32) (param $n i32) (result i64) (local $c i64)
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.lt_s (local.get $n) (local.tee $i (i32.add (local.get $i) (i32.const -1))))))
    (call $result (local.get $c) (local.get $i)))

  ;; i' >u n, step -5
  (func $gt_u (param $i i32) (param $n i32) (result i64) (local $c i64)
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.gt_u (local.tee $i (i32.add (local.get $i) (i32.const -5))) (local.get $n))))
    (call $result (local.get $c) (local.get $i)))

  ;; at most 50 iterations (exit on i >u 48), ends early on a data-dependent test
  (func $short_exit (param $x i32) (result i64) (local $i i32) (local $c i64)
    (block $out
      (loop $l
        (br_if $out (i32.gt_u (local.get $i) (i32.const 48)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $c (i64.add (local.get $c) (i64.const 1)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (br_if $l (i32.ne (i32.and (local.get $x) (i32.const 255)) (i32.const 7)))))
    (call $result (local.get $c) (local.get $i)))

  ;; a constant start and bound: 100 iterations
  (func $short_const (result i64) (local $i i32) (local $c i64)
    (local.set $i (i32.const 500))
    (loop $l
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 5))) (i32.const 1000))))
    (call $result (local.get $c) (local.get $i)))

  ;; a loop carrying (i64 sum) on the operand stack (binaryen's parser turns the value into a
;; local and the back-edge into a branch out of a block: a loop that checks the flag)
  (func $params (param $n i32) (result i64) (local $i i32)
    (i64.const 0)
    (loop $l (param i64) (result i64)
      (i64.add (i64.extend_i32_u (i32.mul (local.get $i) (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))

  ;; data-dependent: Collatz steps of x (checks the flag on every iteration)
  (func $collatz (param $x i32) (result i64) (local $c i64)
    (loop $l
      (local.set $x (if (result i32) (i32.and (local.get $x) (i32.const 1))
        (then (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))
        (else (i32.shr_u (local.get $x) (i32.const 1)))))
      (local.set $c (i64.add (local.get $c) (i64.const 1)))
      (br_if $l (i32.ne (local.get $x) (i32.const 1))))
    (local.get $c))

  ;; the long part: a nest of counted loops over memory, and the shapes above again and again
  (func $work (param $rounds i32) (result i64) (local $r i32) (local $j i32) (local $k i32) (local $h i64)
    (local.set $h (i64.const 1469598103934665603))
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $mid
        (local.set $k (i32.const 0))
        (loop $inner
          (i32.store (i32.shl (i32.and (local.get $k) (i32.const 1023)) (i32.const 2))
            (i32.add (i32.load (i32.shl (i32.and (local.get $k) (i32.const 1023)) (i32.const 2)))
              (i32.xor (local.get $k) (local.get $j))))
          (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (local.get $k))) (i64.const 1099511628211)))
          (br_if $inner (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 5003))))
        (local.set $h (i64.add (local.get $h) (call $ne_up (local.get $j) (i32.add (local.get $j) (i32.const 1500)))))
        (br_if $mid (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 1100))))
      (local.set $h (i64.add (local.get $h) (call $collatz (i32.add (local.get $r) (i32.const 27)))))
      (br_if $outer (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rounds))))
    (i64.add (local.get $h) (i64.load (i32.const 4000))))

  (func (export "_start")
    (call $print_i64 (call $ne_up (i32.const 0) (i32.const 5000)))
    (call $print_i64 (call $ne_up (i32.const 0xfffff000) (i32.const 0x1000)))
    (call $print_i64 (call $ne_up (i32.const 41) (i32.const 42)))
    (call $print_i64 (call $ne_step3 (i32.const 0) (i32.const 12000)))
    (call $print_i64 (call $ne_step3 (i32.const -3000) (i32.const 3003)))
    (call $print_i64 (call $down4 (i32.const 12000)))
    (call $print_i64 (call $down4 (i32.const 4)))
    (call $print_i64 (call $lt_s (i32.const 0x7ffff000) (i32.const 0x7fffffff)))
    (call $print_i64 (call $lt_s (i32.const -2000) (i32.const 3000)))
    (call $print_i64 (call $lt_s (i32.const 5) (i32.const -5)))
    (call $print_i64 (call $lt_u (i32.const 0xffffd000) (i32.const 0xfffffffd)))
    (call $print_i64 (call $lt_u (i32.const 0) (i32.const 7)))
    (call $print_i64 (call $lt_u_wrap (i32.const 0xfffffffe)))
    (call $print_i64 (call $lt_u_wrap (i32.const 0xffffffff)))
    (call $print_i64 (call $lt_u_wrap (i32.const 0xfffffc00)))
    (call $print_i64 (call $gt_s (i32.const 0x80000bb8) (i32.const 0x80000000)))
    (call $print_i64 (call $gt_s (i32.const 2000) (i32.const -2000)))
    (call $print_i64 (call $gt_u (i32.const 20000) (i32.const 3)))
    (call $print_i64 (call $gt_u (i32.const 8) (i32.const 3)))
    (call $print_i64 (call $short_exit (i32.const 1)))
    (call $print_i64 (call $short_exit (i32.const 99)))
    (call $print_i64 (call $short_const))
    (call $print_i64 (call $params (i32.const 3000)))
    (call $print_i64 (call $collatz (i32.const 837799)))
    (call $print_i64 (call $work (i32.const 24))))
)
