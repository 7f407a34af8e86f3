// The C++ source fixture: a class with members and a method, a std::vector<int>, a reference
// parameter and calls of a function template (two instantiations). Output is fixed (expected.txt);
// printf rather than iostream keeps the module small. The `LINE:` comments name the lines tests
// break at; tests find them by name.
#include <cstdio>
#include <vector>

#define NOINLINE __attribute__((noinline))

class Counter {
 public:
  Counter(const char *name, int step) : name_(name), step_(step), count_(0) {}

  // A method: `this` and the members are what a test looks at.
  NOINLINE int advance(int times) {
    for (int i = 0; i < times; i++) {
      count_ += step_; // LINE: method-body
    }
    return count_;
  }

  int count() const { return count_; }
  const char *name() const { return name_; }

 private:
  const char *name_;
  int step_;
  int count_;
};

// A function template: each instantiation is a function of its own in the DWARF.
template <typename T>
NOINLINE T largest(const std::vector<T> &values) {
  T best = values[0];
  for (size_t i = 1; i < values.size(); i++) {
    if (values[i] > best) best = values[i]; // LINE: template-body
  }
  return best;
}

// A reference parameter: the callee changes the caller's vector.
NOINLINE void scale(std::vector<int> &values, int factor) {
  for (size_t i = 0; i < values.size(); i++) {
    values[i] *= factor; // LINE: scale-body
  }
}

// A reference to a scalar: `total` is the caller's variable.
NOINLINE void add_to(int &total, int amount) {
  total += amount; // LINE: ref-param
}

int main() {
  Counter counter("steps", 3);
  std::vector<int> numbers = {4, 8, 15, 16, 23, 42};
  std::vector<double> weights = {0.5, 2.25, 1.75};
  int total = 0;

  std::printf("counter %s advanced to %d\n", counter.name(), counter.advance(4)); // LINE: main-start
  std::printf("largest int %d, largest double %.2f\n", largest(numbers), largest(weights));
  scale(numbers, 2); // LINE: main-scale
  for (int n : numbers) add_to(total, n);
  std::printf("scaled:");
  for (int n : numbers) std::printf(" %d", n);
  std::printf("\ntotal %d, size %zu, count %d\n", total, numbers.size(), counter.count()); // LINE: main-end
  return 0;
}
