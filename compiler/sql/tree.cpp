// Bytecode to expression trees: a symbolic run of a plan function (tree.h).
#include "sql/tree.h"

#include <algorithm>
#include <map>

#include "core/fx_rates.h"

namespace rebate::sql {

namespace {

using plan::Opcode;

// A literal of a path: `cond` held (or did not) on the way here.
struct Literal {
  NodeRef cond;
  bool holds = true;
  bool operator==(const Literal& o) const { return cond == o.cond && holds == o.holds; }
};

// One way of reaching an instruction: the stack and locals as trees, and the conditions taken.
struct State {
  std::vector<NodeRef> stack;
  std::vector<NodeRef> locals;
  std::vector<Literal> path;
};

NodeRef make(Node n) { return std::make_shared<const Node>(std::move(n)); }

NodeRef bool_const(bool v) {
  Node n;
  n.op = Opcode::Const;
  n.type = SqlType::Bool;
  n.a = v ? 1 : 0;
  n.b = 1;  // b = 1: a literal boolean (a), not plan constant a
  return make(std::move(n));
}

// A value used as a condition: a constant 0/1 becomes a boolean literal.
NodeRef as_condition(const plan::Plan& plan, const NodeRef& n) {
  if (n->type == SqlType::Bool) return n;
  if (n->kind == Node::Kind::Op && n->op == Opcode::Const && n->b == 0) return bool_const(plan.constants[n->a].coef != 0);
  return n;  // a boolean column or measure is typed Bool already
}

NodeRef negate(const NodeRef& c) {
  Node n;
  n.op = Opcode::Not;
  n.type = SqlType::Bool;
  n.nullable = c->nullable;
  n.args = {c};
  return make(std::move(n));
}

NodeRef conjunction(const std::vector<Literal>& lits, size_t from) {
  NodeRef out;
  for (size_t i = from; i < lits.size(); ++i) {
    NodeRef c = lits[i].holds ? lits[i].cond : negate(lits[i].cond);
    if (!out) {
      out = c;
      continue;
    }
    // `a and b` as the VM's short circuit: when a is false, false.
    Node n;
    n.kind = Node::Kind::Case;
    n.type = SqlType::Bool;
    n.args = {out, c, bool_const(false)};
    out = make(std::move(n));
  }
  return out ? out : bool_const(true);
}

// CASE over the branches (condition, value), the last one the ELSE. Nullable unless every branch has a
// value; a branch guarded by `v IS NOT NULL` whose value is v has one.
NodeRef choose(const plan::Plan& plan, std::vector<std::pair<NodeRef, NodeRef>> branches) {
  bool all_same = true;
  for (auto& b : branches) all_same = all_same && b.second == branches.front().second;
  if (all_same) return branches.front().second;
  bool is_bool = false;
  for (auto& b : branches) is_bool = is_bool || b.second->type == SqlType::Bool;
  Node n;
  n.kind = Node::Kind::Case;
  n.type = SqlType::Number;
  for (size_t i = 0; i < branches.size(); ++i) {
    NodeRef v = is_bool ? as_condition(plan, branches[i].second) : branches[i].second;
    if (!is_bool && v->kind != Node::Kind::Fail && v->type != SqlType::Number) n.type = v->type;
    n.scale = std::max(n.scale, v->scale);
    const NodeRef& c = branches[i].first;
    const bool guarded = c && c->kind == Node::Kind::IsSome && c->args[0] == v;
    n.nullable = n.nullable || (v->nullable && !guarded);
    if (i + 1 < branches.size()) n.args.push_back(c);
    n.args.push_back(v);
  }
  if (is_bool) n.type = SqlType::Bool;
  // A failing branch takes the type of the others (PostgreSQL's error helper is typed by its place).
  for (NodeRef& v : n.args) {
    if (v->kind != Node::Kind::Fail) continue;
    Node typed = *v;
    typed.type = n.type;
    typed.scale = n.scale;
    v = make(std::move(typed));
  }
  return make(std::move(n));
}

// The states meeting at one instruction as one: values that differ become CASEs on the conditions that
// tell the states apart (those after their common path). The states' paths exclude each other, so at
// most one has nothing beyond the common part: it goes last, as the ELSE.
State merge(const plan::Plan& plan, std::vector<State> states) {
  if (states.size() == 1) return std::move(states.front());
  size_t common = 0;
  for (;; ++common) {
    bool same = true;
    for (const State& s : states) same = same && common < s.path.size() && s.path[common] == states.front().path[common];
    if (!same) break;
  }
  std::stable_sort(states.begin(), states.end(), [&](const State& x, const State& y) { return x.path.size() > common && y.path.size() == common; });
  State out;
  out.path.assign(states.front().path.begin(), states.front().path.begin() + static_cast<long>(common));
  std::vector<NodeRef> conds;
  for (const State& s : states) conds.push_back(conjunction(s.path, common));
  if (states.back().path.size() > common) {
    // The states do not cover the common part: what follows only runs when one of their conditions
    // held (`x == a or x == b` of a decision row), and later merges must know it.
    Node any;
    any.kind = Node::Kind::Case;
    any.type = SqlType::Bool;
    for (size_t i = 0; i + 1 < conds.size(); ++i) {
      any.args.push_back(conds[i]);
      any.args.push_back(bool_const(true));
    }
    any.args.push_back(conds.back());
    out.path.push_back(Literal{make(std::move(any)), true});
  }
  auto merged = [&](auto member, size_t k) {
    std::vector<std::pair<NodeRef, NodeRef>> branches;
    for (size_t i = 0; i < states.size(); ++i) branches.emplace_back(conds[i], (states[i].*member)[k]);
    return choose(plan, std::move(branches));
  };
  for (size_t k = 0; k < states.front().stack.size(); ++k) out.stack.push_back(merged(&State::stack, k));
  for (size_t k = 0; k < states.front().locals.size(); ++k) {
    bool defined = true;
    for (const State& s : states) defined = defined && s.locals[k] != nullptr;
    out.locals.push_back(defined ? merged(&State::locals, k) : nullptr);
  }
  return out;
}

class Builder {
 public:
  Builder(const plan::Plan& plan, const plan::Function& fn, const LeafTypes& leaves) : plan_(plan), fn_(fn), leaves_(leaves) {}

  Built run() {
    const std::vector<plan::Instr>& code = fn_.code;
    std::map<uint32_t, std::vector<State>> pending;
    std::optional<State> current = State{{}, std::vector<NodeRef>(fn_.locals), {}};
    std::vector<State> returns;
    for (uint32_t pc = 0; pc < code.size(); ++pc) {
      std::vector<State> arriving;
      if (current) arriving.push_back(std::move(*current));
      if (auto it = pending.find(pc); it != pending.end()) {
        for (State& s : it->second) arriving.push_back(std::move(s));
        pending.erase(it);
      }
      current.reset();
      if (arriving.empty()) continue;  // unreachable
      State s = merge(plan_, std::move(arriving));
      const plan::Instr& in = code[pc];
      const bool jumps = in.op == Opcode::Jump || in.op == Opcode::JumpIfFalse || in.op == Opcode::JumpIfTrue || in.op == Opcode::JumpIfSome;
      if (jumps && in.a <= pc) return fail("a backward jump", in.where);
      switch (in.op) {
        case Opcode::Jump:
          pending[in.a].push_back(std::move(s));
          continue;
        case Opcode::JumpIfFalse:
        case Opcode::JumpIfTrue: {
          NodeRef c = checked_condition(pop(s), in.where);
          State taken = s;
          taken.path.push_back(Literal{c, in.op == Opcode::JumpIfTrue});
          pending[in.a].push_back(std::move(taken));
          s.path.push_back(Literal{c, in.op != Opcode::JumpIfTrue});
          current = std::move(s);
          continue;
        }
        case Opcode::JumpIfSome: {
          Node t;
          t.kind = Node::Kind::IsSome;
          t.type = SqlType::Bool;
          t.args = {s.stack.back()};
          NodeRef some = make(std::move(t));
          State taken = s;
          taken.path.push_back(Literal{some, true});
          pending[in.a].push_back(std::move(taken));
          s.stack.pop_back();
          s.path.push_back(Literal{some, false});
          current = std::move(s);
          continue;
        }
        case Opcode::Return:
          returns.push_back(std::move(s));
          continue;
        case Opcode::Fail: {
          Node f;
          f.kind = Node::Kind::Fail;
          f.a = in.a;
          f.where = in.where;
          s.stack.push_back(make(std::move(f)));
          returns.push_back(std::move(s));
          continue;
        }
        default:
          if (auto problem = step(in, s)) return fail(*problem, in.where);
          current = std::move(s);
      }
    }
    if (current || !pending.empty()) return fail("a function that ends without a result", 0);
    if (returns.empty()) return fail("a function without a result", 0);
    // A Fail pushed no real value: its branch's type is the others'.
    State result = merge(plan_, std::move(returns));
    Built b;
    b.tree = result.stack.back();
    return b;
  }

 private:
  Built fail(std::string what, uint32_t where) {
    Built b;
    b.unsupported = Unsupported{std::move(what), where};
    return b;
  }

  static NodeRef pop(State& s) {
    NodeRef n = s.stack.back();
    s.stack.pop_back();
    return n;
  }

  // A condition the VM stops on when it has no value ("this condition has no value"): the same check.
  NodeRef checked_condition(NodeRef c, uint32_t where) {
    c = as_condition(plan_, c);
    if (!c->nullable) return c;
    Node n;
    n.op = Opcode::JumpIfFalse;  // rendered as a check that the condition has a value
    n.where = where;
    n.type = SqlType::Bool;
    n.args = {c};
    return make(std::move(n));
  }

  // One instruction that is not a jump; what stops it, if anything.
  std::optional<std::string> step(const plan::Instr& in, State& s) {
    Node n;
    n.op = in.op;
    n.a = in.a;
    n.b = in.b;
    n.where = in.where;
    auto take = [&](size_t k) {
      n.args.assign(s.stack.end() - static_cast<long>(k), s.stack.end());
      s.stack.resize(s.stack.size() - k);
      for (const NodeRef& x : n.args) n.nullable = n.nullable || x->nullable;
    };
    auto widest = [&] {
      for (const NodeRef& x : n.args) n.scale = std::max(n.scale, x->scale);
    };
    switch (in.op) {
      case Opcode::Const: {
        const plan::Value& v = plan_.constants[in.a];
        if (v.none) return "a constant with no value";
        n.scale = v.scale;
        break;
      }
      case Opcode::Text: n.type = SqlType::Text; break;
      case Opcode::Load:
        if (!s.locals.at(in.a)) return "a local read before it is written";
        s.stack.push_back(s.locals[in.a]);
        return std::nullopt;
      case Opcode::Store:
        s.locals.at(in.a) = pop(s);
        return std::nullopt;
      case Opcode::Pop:
        s.stack.pop_back();
        return std::nullopt;
      case Opcode::Column: case Opcode::Lookup: case Opcode::GroupField: case Opcode::PartnerAttr: case Opcode::PartnerId:
      case Opcode::Measure: case Opcode::Shifted: case Opcode::Aggregate: case Opcode::Decision: {
        Node leaf = leaves_.leaf(in);
        leaf.kind = Node::Kind::Op;
        leaf.op = in.op;
        leaf.a = in.a;
        leaf.b = in.b;
        leaf.where = in.where;
        s.stack.push_back(make(std::move(leaf)));
        return std::nullopt;
      }
      case Opcode::Period: n.type = SqlType::Period; break;
      case Opcode::PeriodStart: case Opcode::PeriodEnd:
        take(1);
        n.type = SqlType::Day;
        break;
      case Opcode::PeriodPart:
        take(1);
        n.type = static_cast<plan::PeriodPart>(in.a) == plan::PeriodPart::IsFirstOfYear ? SqlType::Bool : SqlType::Number;
        n.scale = 0;
        break;
      case Opcode::Add: case Opcode::Sub: {
        take(2);
        widest();
        const bool l = n.args[0]->type == SqlType::Day, r = n.args[1]->type == SqlType::Day;
        if (l && r && in.op == Opcode::Add) return "adding two dates";
        n.type = l != r ? SqlType::Day : SqlType::Number;
        if (n.type == SqlType::Day) n.scale = 0;
        break;
      }
      case Opcode::Mul:
        take(2);
        n.scale = std::min(n.args[0]->scale + n.args[1]->scale, static_cast<int>(Decimal::kMaxScale));
        break;
      case Opcode::Div:
        take(2);
        n.scale = Decimal::kMaxScale;
        n.nullable = n.nullable || in.b == 1;
        break;
      case Opcode::Neg: case Opcode::Abs:
        take(1);
        widest();
        break;
      case Opcode::Round:
        take(1);
        n.scale = in.a == 255 ? plan_.minor_unit : static_cast<int>(in.a);
        break;
      case Opcode::Min: case Opcode::Max:
        take(in.a);
        widest();
        n.type = n.args[0]->type;
        break;
      // The amount (args[0]) times the rate of its currency (args[1]) into currency `a` on a day or over a
      // period (args[2]; `b` the mode: 0 line_date, 1 period_end, 2 period_average): the product's places
      // as Decimal::mul keeps them, the rate's being the FX column's, or the average's 10 (convert.cpp).
      case Opcode::Convert: {
        take(3);
        if (plan_.fx_input >= plan_.inputs.size()) return "`convert` without an FX table";
        const plan::Input& fx = plan_.inputs[plan_.fx_input];
        const int rate_scale = in.b == 2 ? FxRates::kAveragePlaces : fx.spec.columns[fx.rate_column].scale;
        n.scale = std::min(n.args[0]->scale + rate_scale, static_cast<int>(Decimal::kMaxScale));
        break;
      }
      case Opcode::TextTest:
        take(2);
        n.type = SqlType::Bool;
        break;
      case Opcode::TextMap:
        take(1);
        n.type = static_cast<plan::TextFunction>(in.a) == plan::TextFunction::Length ? SqlType::Number : SqlType::Text;
        n.scale = 0;
        break;
      case Opcode::AddDuration: case Opcode::SubDuration:
        take(2);
        n.type = SqlType::Day;
        break;
      case Opcode::Eq: case Opcode::Ne: case Opcode::Lt: case Opcode::Le: case Opcode::Gt: case Opcode::Ge:
        take(2);
        n.type = SqlType::Bool;
        if (n.args[0]->type == SqlType::Period || n.args[1]->type == SqlType::Period) return "a comparison of periods";
        break;
      case Opcode::Not:
        take(1);
        n.args[0] = as_condition(plan_, n.args[0]);
        n.type = SqlType::Bool;
        break;
      case Opcode::InList:
        take(in.a + 1);
        n.type = SqlType::Bool;
        n.nullable = n.args[0]->nullable;
        break;
      case Opcode::InRange:
        take(3);
        n.type = SqlType::Bool;
        break;
      case Opcode::InPeriod: {
        take(2);
        n.type = SqlType::Bool;
        const NodeRef& p = n.args[1];
        if (!(p->op == Opcode::Period || p->op == Opcode::Const) || p->kind != Node::Kind::Op) return "a period that is computed";
        if (in.b == 1 && !(n.args[0]->op == Opcode::Period || n.args[0]->op == Opcode::Const)) return "a period that is computed";
        break;
      }
      case Opcode::TierOf: case Opcode::TierBy: {
        take(1);
        const plan::Tiers& t = plan_.tiers[in.a];
        // The basis is compared at the bounds' scale or its own, the wider; rates at the widest rate's.
        int value_scale = 0, basis_scale = n.args[0]->scale;
        for (const plan::TierBand& band : t.bands) {
          value_scale = std::max(value_scale, band.value.scale());
          basis_scale = std::max(basis_scale, band.lower.scale());
          if (band.upper) basis_scale = std::max(basis_scale, band.upper->scale());
        }
        if (basis_scale + value_scale > Decimal::kMaxScale) return "a tier table whose products have more than 18 places";
        n.scale = in.op == Opcode::TierBy ? value_scale : basis_scale + value_scale;
        break;
      }
      case Opcode::Jump: case Opcode::JumpIfFalse: case Opcode::JumpIfTrue: case Opcode::JumpIfSome: case Opcode::Return: case Opcode::Fail:
        break;  // handled by run()
    }
    s.stack.push_back(make(std::move(n)));
    return std::nullopt;
  }

  const plan::Plan& plan_;
  const plan::Function& fn_;
  const LeafTypes& leaves_;
};

}  // namespace

Built build_tree(const plan::Plan& plan, plan::FunctionId f, const LeafTypes& leaves) {
  return Builder(plan, plan.functions[f], leaves).run();
}

}  // namespace rebate::sql
