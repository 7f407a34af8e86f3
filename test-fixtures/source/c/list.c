/* The second file of the C fixture: breakpoints in a file other than main.c. */
#include <stdlib.h>

#include "list.h"

#define NOINLINE __attribute__((noinline))

/* Appends at the tail so the list reads in building order. */
NOINLINE struct node *list_build(int count, int first, int step) {
  struct node *head = NULL;
  struct node **tail = &head;
  for (int i = 0; i < count; i++) {
    struct node *n = malloc(sizeof *n);
    n->value = first + i * step; // LINE: list-build-node
    n->next = NULL;
    *tail = n;
    tail = &n->next;
  }
  return head; // LINE: list-build-done
}

NOINLINE int list_sum(const struct node *head) {
  int total = 0;
  for (const struct node *p = head; p != NULL; p = p->next) {
    total += p->value; // LINE: list-sum-body
  }
  return total;
}

NOINLINE void list_free(struct node *head) {
  while (head != NULL) {
    struct node *next = head->next;
    free(head);
    head = next;
  }
}
