/*
 * The C source fixture: a small program a debugger test stops in. Each kind of value a debugger
 * shows has a variable here: a struct with a nested struct and an array field, an array, a linked
 * list on the heap (pointers to follow: p->next->value), an enum, a union, C strings, a global, a
 * loop with a counter and an accumulator, and a recursive function. Its output is fixed
 * (expected.txt). The `LINE:` comments name the lines tests break at; tests find them by name.
 */
#include <stdio.h>

#include "list.h"

#define NOINLINE __attribute__((noinline))

enum color { RED, GREEN = 5, BLUE };

struct point {
  int x;
  int y;
};

struct shape {
  int id;
  struct point origin; /* nested struct */
  int sides[4];        /* array field */
  enum color color;
  const char *name; /* C string */
};

union number {
  int i;
  float f;
  unsigned char bytes[4];
};

/* globals: one the program changes, one constant string */
int calls = 0;
const char greeting[] = "hello, wasm";

NOINLINE int perimeter(const struct shape *s) {
  calls++;
  int sum = 0;
  for (int i = 0; i < 4; i++) {
    sum += s->sides[i]; // LINE: perimeter-loop
  }
  return sum;
}

/* The loop of the fixture: `i` counts, `total` accumulates. */
NOINLINE int sum_squares(const int *values, int count) {
  calls++;
  int total = 0;
  for (int i = 0; i < count; i++) {
    int square = values[i] * values[i];
    total += square; // LINE: loop-body
  }
  return total; // LINE: loop-done
}

/* Recursion a few levels deep: each frame has its parameter `n` and its local `here`. The printf
 * after the call keeps the call out of tail position, so -O2 keeps the frames. */
NOINLINE int depth_sum(int n) {
  calls++;
  int here = n * 10;
  if (n == 0) {
    return 0; // LINE: recursion-base
  }
  int below = depth_sum(n - 1);
  printf("depth_sum(%d): here=%d below=%d\n", n, here, below); // LINE: recursion-unwind
  return here + below;
}

NOINLINE const char *color_name(enum color c) {
  switch (c) {
  case RED:
    return "red";
  case GREEN:
    return "green";
  case BLUE:
    return "blue";
  }
  return "?";
}

NOINLINE unsigned count_chars(const char *text, char wanted) {
  unsigned n = 0;
  for (const char *c = text; *c != '\0'; c++) {
    if (*c == wanted) n++; // LINE: string-scan
  }
  return n;
}

NOINLINE void count(int k) { calls += k; }

/* No NOINLINE: at -O2 clang inlines it into main, and the debugger shows it as a frame of its own.
 * Its lines are calls, so the Wasm operand stack is empty where they start: a debugger stops there. */
static inline void count_twice(int k) {
  count(k); // LINE: inlined-body
  count(k);
}

int main(void) {
  struct shape square = {
      .id = 7,
      .origin = {.x = 3, .y = -4},
      .sides = {5, 5, 5, 5},
      .color = GREEN,
      .name = "square",
  };
  int primes[5] = {2, 3, 5, 7, 11};
  enum color favourite = BLUE;
  union number num;
  num.f = 1.5f;
  const char *message = greeting;
  struct node *head = list_build(4, 10, 10);

  printf("%s\n", message); // LINE: main-start
  printf("shape %d '%s' at (%d,%d) color %s perimeter %d\n", square.id, square.name, square.origin.x,
         square.origin.y, color_name(square.color), perimeter(&square));
  printf("primes: sum of squares %d\n", sum_squares(primes, 5));
  printf("favourite %s (%d)\n", color_name(favourite), (int)favourite);
  printf("union: f=%.2f i=0x%08x bytes=%02x %02x %02x %02x\n", num.f, (unsigned)num.i, num.bytes[0],
         num.bytes[1], num.bytes[2], num.bytes[3]);
  printf("list: head %d, second %d, sum %d\n", head->value, head->next->value, list_sum(head)); // LINE: main-list
  printf("'l' in greeting: %u\n", count_chars(message, 'l'));
  printf("depth_sum(3) = %d\n", depth_sum(3));
  list_free(head);
  count_twice(1); // LINE: main-inlined-call
  printf("calls %d\n", calls); // LINE: main-end
  return 0;
}
