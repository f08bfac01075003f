// Expression trees rebuilt from the plan's bytecode, for the SQL target (docs/architecture.md, "The SQL
// target reads the plan's bytecode"). A plan function is a stack program whose jumps only go forward and
// whose stack depth at each instruction is fixed, so running it symbolically (values are trees, and the
// states meeting at a jump's target are merged into a CASE on the conditions that led to them) gives
// one tree per function: the same lowering of each construct the VM and the JIT run, read a third way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace rebate::sql {

// What a value is in SQL. Numbers are exact decimals whose scale (digits after the point) is known
// statically, as the VM's would be (add: the larger, multiply: the sum up to 18, divide: 18); dates and
// enum members are integers (day numbers, member indexes); periods a pair of day numbers.
enum class SqlType : uint8_t { Number, Bool, Text, Day, Period };

struct Node;
using NodeRef = std::shared_ptr<const Node>;

struct Node {
  enum class Kind : uint8_t {
    Op,      // an instruction applied to `args` (opcode `op`, operands `a`, `b`)
    Case,    // CASE WHEN args[0] THEN args[1] WHEN args[2] THEN args[3] ... ELSE args.back() END
    IsSome,  // args[0] IS NOT NULL (what `otherwise` tests)
    Fail,    // a runtime error: no decision row matches (decision `a`)
  };
  Kind kind = Kind::Op;
  plan::Opcode op = plan::Opcode::Const;
  uint32_t a = 0, b = 0;
  uint32_t where = 0;  // the instruction's location (Plan::locations)
  std::vector<NodeRef> args;
  SqlType type = SqlType::Number;
  int scale = 0;          // numbers: digits after the point
  bool nullable = false;  // may be none (no value): an empty min/max/avg, an optional cell, `x / 0 otherwise`
};

// What the builder needs to know about the leaves it meets (their types), filled by the caller.
struct LeafTypes {
  // Type, scale and nullability of a function's leaves: Column/Lookup/PartnerAttr (by ledger column),
  // Measure/Shifted (by measure), Aggregate (by aggregate), GroupField (by field), Decision (by table).
  std::function<Node(const plan::Instr&)> leaf;
};

// A construct the SQL target cannot express (yet): what it is and where it is written.
struct Unsupported {
  std::string construct;
  uint32_t where = 0;
};

// The tree of plan function `f`, or what stops it from being one.
struct Built {
  NodeRef tree;
  std::optional<Unsupported> unsupported;
};
Built build_tree(const plan::Plan& plan, plan::FunctionId f, const LeafTypes& leaves);

}  // namespace rebate::sql
