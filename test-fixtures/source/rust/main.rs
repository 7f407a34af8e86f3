// The Rust source fixture: a struct (with a String, a nested struct and a Vec), a Vec<i32>, an enum
// with data matched on, a String, a loop with a counter and an accumulator, and a recursive
// function. Output is fixed (expected.txt). The `LINE:` comments name the lines tests break at;
// tests find them by name.

#[derive(Clone, Copy)]
struct Point {
    x: i32,
    y: i32,
}

struct Player {
    name: String,
    position: Point,
    scores: Vec<i32>,
}

enum Shape {
    Circle { radius: u32 },
    Rect(u32, u32),
    Empty,
}

// A match on an enum with data: each arm binds the variant's fields.
#[inline(never)]
fn area(shape: &Shape) -> u32 {
    match shape {
        Shape::Circle { radius } => 3 * radius * radius, // LINE: match-circle
        Shape::Rect(w, h) => w * h, // LINE: match-rect
        Shape::Empty => 0,
    }
}

// The loop: `i` counts, `sum` accumulates.
#[inline(never)]
fn total(values: &Vec<i32>) -> i32 {
    let mut sum = 0;
    let mut i = 0;
    while i < values.len() {
        sum += values[i]; // LINE: loop-body
        i += 1;
    }
    sum // LINE: loop-done
}

// Recursion a few levels deep: each frame has its parameter `n` and its local `here`. The println
// after the call keeps the call out of tail position, so opt-level 2 keeps the frames.
#[inline(never)]
fn depth_sum(n: u32) -> u32 {
    let here = n * 10;
    if n == 0 {
        return 0; // LINE: recursion-base
    }
    let below = depth_sum(n - 1);
    println!("depth_sum({}): here={} below={}", n, here, below); // LINE: recursion-unwind
    here + below
}

#[inline(never)]
fn describe(player: &Player) -> String {
    let mut text = String::from("player "); // LINE: describe-start
    text.push_str(&player.name);
    text.push_str(&format!(" at ({}, {})", player.position.x, player.position.y));
    text
}

fn main() {
    let player = Player {
        name: String::from("ferris"),
        position: Point { x: 3, y: -4 },
        scores: vec![10, 20, 30, 40],
    };
    let shapes = vec![Shape::Circle { radius: 2 }, Shape::Rect(3, 5), Shape::Empty];
    let greeting = String::from("hello, wasm");

    println!("{}", greeting); // LINE: main-start
    println!("{}", describe(&player));
    println!("scores total {}", total(&player.scores));
    for shape in &shapes {
        println!("area {}", area(shape));
    }
    println!("depth_sum(3) = {}", depth_sum(3));
    println!("{} has {} scores, last {}", player.name, player.scores.len(), player.scores[3]); // LINE: main-end
}
