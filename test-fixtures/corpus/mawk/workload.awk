# The mawk corpus workload. mawk runs an awk function call as a recursive call of its C
# interpreter (execute() -> call() -> execute()), so deep awk recursion is deep native recursion:
# most of this run is spent thousands of frames down. Deterministic: no srand(), no clock.

# Descends n levels, then works at the bottom: checkpoints taken then hold n + a few frames.
function descend(n, seed,    i, h) {
  if (n > 0) return descend(n - 1, seed) + 1
  h = seed
  for (i = 0; i < 60000; i++) h = (h * 31 + i) % 1000003
  bottom = bottom + h
  return 0
}

function ack(m, n) {
  if (m == 0) return n + 1
  if (n == 0) return ack(m - 1, 1)
  return ack(m - 1, ack(m, n - 1))
}

function hanoi(n, from, to, via) {
  if (n == 0) return 0
  return hanoi(n - 1, from, via, to) + 1 + hanoi(n - 1, via, to, from)
}

# records: word frequencies of the input, written to a report file
{ for (i = 1; i <= NF; i++) count[$i]++; words += NF }

END {
  print "records", NR, "words", words
  for (round = 1; round <= 24; round++) {
    d = 2000 + (round * 137) % 2000
    total += descend(d, round)
  }
  print "descend total", total, "bottom", bottom
  print "ack(2, 600)", ack(2, 600)
  print "hanoi(12)", hanoi(12, "a", "c", "b")
  n = 0
  for (w in count) keys[++n] = w
  # insertion sort by key: the order of `for in` is not specified
  for (i = 2; i <= n; i++) {
    k = keys[i]
    for (j = i - 1; j > 0 && keys[j] > k; j--) keys[j + 1] = keys[j]
    keys[j + 1] = k
  }
  for (i = 1; i <= n; i++) printf "%s %d\n", keys[i], count[keys[i]] > "/sandbox/report.txt"
  close("/sandbox/report.txt")
  print "distinct", n
}
