/* A singly linked list of ints on the heap: the pointer-following part of the C fixture. */
#ifndef LIST_H
#define LIST_H

struct node {
  int value;
  struct node *next;
};

/* A list of `count` nodes holding first, first + step, ... (malloc'd, in that order). */
struct node *list_build(int count, int first, int step);
/* The sum of the values, walking the list. */
int list_sum(const struct node *head);
/* Frees every node. */
void list_free(struct node *head);

#endif
