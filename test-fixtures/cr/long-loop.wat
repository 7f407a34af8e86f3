;; One counted loop of 2^30 iterations (about a second of work, no call inside): its
;; checkpoint poll is strip-mined, so a checkpoint request is still served inside the loop.
;; Prints "start" before the loop and a hash after it.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "start\n")

  (func $write (param $p i32) (param $n i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $hex (param $v i64) (local $k i32)
    (i32.store8 (i32.const 48) (i32.const 10))
    (loop $l
      (i32.store8 (i32.sub (i32.const 47) (local.get $k))
        (i32.load8_u offset=64 (i32.wrap_i64 (i64.and (local.get $v) (i64.const 15)))))
      (local.set $v (i64.shr_u (local.get $v) (i64.const 4)))
      (br_if $l (i32.ne (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 16))))
    (call $write (i32.const 32) (i32.const 17)))

  (func (export "_start") (local $i i32) (local $h i64)
    (i64.store (i32.const 64) (i64.const 0x3736353433323130))
    (i64.store (i32.const 72) (i64.const 0x6665646362613938))
    (call $write (i32.const 16) (i32.const 6))
    (local.set $h (i64.const 1469598103934665603))
    (local.set $i (i32.const 0xc0000000))
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (local.get $i))) (i64.const 1099511628211)))
      (br_if $l (local.tee $i (i32.add (local.get $i) (i32.const 1)))))
    (call $hex (local.get $h)))
)
