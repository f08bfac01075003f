// Bytecode -> LLVM IR. The bytecode is a stack machine whose depth at each instruction is fixed (the
// lowering emits no loop, and every path into an instruction brings the same depth), so each stack
// slot and each local becomes an alloca that LLVM's SROA turns into registers: the IR has no stack
// pointer. Jumps become branches between basic blocks. Moves, constants, jumps, the simple operations
// on a value (negation, not, period bounds) and the fast paths of Decimal's addition, subtraction,
// multiplication and comparison are compiled inline, and so are a row function's reads of the line's
// cells (vm::LineCells: the scan's typed columns and the lookup tables' rows); everything else calls the
// runtime's one entry point (helpers.h) on a scratch area holding the operands, so the semantics are the
// interpreter's own (vm/ops.h), and the call's status is checked after it.
#include "jit/codegen.h"
#include "jit/module.h"

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <cctype>
#include <stdexcept>
#include <vector>

namespace rebate::jit {

using plan::Opcode;

namespace {

// How many values an instruction takes off the stack and puts on it.
struct Effect {
  uint32_t pops = 0, pushes = 0;
};

Effect effect(const plan::Instr& in) {
  switch (in.op) {
    case Opcode::Const: case Opcode::Text: case Opcode::Load: case Opcode::Column: case Opcode::Lookup:
    case Opcode::GroupField: case Opcode::PartnerAttr: case Opcode::PartnerId: case Opcode::Period:
    case Opcode::Measure: case Opcode::Shifted: case Opcode::Aggregate: case Opcode::Decision:
      return {0, 1};
    case Opcode::Store: case Opcode::Pop: case Opcode::JumpIfFalse: case Opcode::JumpIfTrue: case Opcode::Return:
      return {1, 0};
    case Opcode::PeriodStart: case Opcode::PeriodEnd: case Opcode::PeriodPart: case Opcode::Neg: case Opcode::Abs:
    case Opcode::Round: case Opcode::Not: case Opcode::TierOf: case Opcode::TierBy: case Opcode::TextMap:
      return {1, 1};
    case Opcode::Add: case Opcode::Sub: case Opcode::Mul: case Opcode::Div: case Opcode::AddDuration:
    case Opcode::SubDuration: case Opcode::Eq: case Opcode::Ne: case Opcode::Lt: case Opcode::Le: case Opcode::Gt:
    case Opcode::Ge: case Opcode::InPeriod: case Opcode::TextTest:
      return {2, 1};
    case Opcode::Min: case Opcode::Max: return {in.a, 1};
    case Opcode::InList: return {in.a + 1, 1};
    case Opcode::InRange: case Opcode::Convert: return {3, 1};
    case Opcode::Jump: case Opcode::Fail: return {0, 0};
    case Opcode::JumpIfSome: return {1, 1};  // on the jump; falling through it pops
  }
  return {0, 0};
}

// The stack depth before each instruction (-1: unreachable), found by following every path.
std::vector<int> stack_depths(const plan::Function& f) {
  std::vector<int> depth(f.code.size(), -1);
  std::vector<uint32_t> work{0};
  auto reach = [&](uint32_t at, int d) {
    if (at > f.code.size()) throw std::runtime_error(fmt::format("JIT: a jump past the end of `{}`", f.name));
    if (at == f.code.size()) return;  // falling off the end: an error at run time
    if (depth[at] == -1) {
      depth[at] = d;
      work.push_back(at);
    } else if (depth[at] != d) {
      throw std::runtime_error(fmt::format("JIT: two paths reach instruction {} of `{}` with different stack depths", at, f.name));
    }
  };
  if (f.code.empty()) return depth;
  depth[0] = 0;
  while (!work.empty()) {
    const uint32_t i = work.back();
    work.pop_back();
    const plan::Instr& in = f.code[i];
    const Effect e = effect(in);
    const int d = depth[i];
    if (d < static_cast<int>(e.pops)) throw std::runtime_error(fmt::format("JIT: instruction {} of `{}` pops an empty stack", i, f.name));
    const int after = d - static_cast<int>(e.pops) + static_cast<int>(e.pushes);
    switch (in.op) {
      case Opcode::Return: case Opcode::Fail: break;
      case Opcode::Jump: reach(in.a, after); break;
      case Opcode::JumpIfFalse: case Opcode::JumpIfTrue: reach(in.a, after); reach(i + 1, after); break;
      case Opcode::JumpIfSome: reach(in.a, d); reach(i + 1, d - 1); break;
      default: reach(i + 1, after); break;
    }
  }
  return depth;
}

bool ends_block(Opcode op) {
  return op == Opcode::Jump || op == Opcode::JumpIfFalse || op == Opcode::JumpIfTrue || op == Opcode::JumpIfSome ||
         op == Opcode::Return || op == Opcode::Fail;
}

// The C++ types compiled code reads, as LLVM sees them (helpers.h checks the layouts).
struct Types {
  llvm::StructType* value;   // plan::Value
  llvm::StructType* column;  // vm::ColumnCells
  llvm::StructType* line;    // vm::LineCells
};

// Builds one function's IR.
class FunctionBuilder {
 public:
  FunctionBuilder(const plan::Plan& plan, plan::FunctionId id, llvm::Module& module, const Types& types,
                  llvm::FunctionCallee helper, llvm::GlobalVariable* pow10)
      : plan_(plan), id_(id), f_(plan.functions[id]), module_(module), ctx_(module.getContext()), b_(ctx_),
        value_(types.value), column_(types.column), line_(types.line), helper_(helper), pow10_(pow10) {}

  void build() {
    const std::vector<int> depth = stack_depths(f_);
    llvm::Type* i8p = llvm::Type::getInt8PtrTy(ctx_);
    auto* type = llvm::FunctionType::get(b_.getInt32Ty(), {i8p, i8p, line_->getPointerTo(), value_->getPointerTo()}, false);
    fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, function_symbol(plan_, id_), module_);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);  // helpers catch everything: no exception crosses this code
    // A function of a partner and period runs once per cell (thousands of times), a row function once per
    // ledger line or group row (millions): only the hot ones are worth LLVM's optimisation and instruction
    // selection. The cold ones are compiled as they are (optnone: no IR passes, the fast instruction
    // selector), which is most of the compile time saved (docs/performance.md, "The JIT engine").
    if (!hot()) {
      fn_->addFnAttr(llvm::Attribute::OptimizeNone);
      fn_->addFnAttr(llvm::Attribute::NoInline);
    }
    rt_ = fn_->getArg(0);
    frame_ = fn_->getArg(1);
    cells_ = fn_->getArg(2);
    out_ = fn_->getArg(3);
    rt_->setName("rt");
    frame_->setName("frame");
    cells_->setName("cells");
    out_->setName("out");

    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
    b_.SetInsertPoint(entry);
    int max_depth = 0;
    uint32_t max_operands = 1;
    for (size_t i = 0; i < f_.code.size(); ++i) {
      if (depth[i] < 0) continue;
      const Effect e = effect(f_.code[i]);
      max_depth = std::max(max_depth, depth[i] + static_cast<int>(e.pushes));
      max_operands = std::max(max_operands, e.pops);
    }
    for (uint32_t l = 0; l < f_.locals; ++l) {
      locals_.push_back(slot(fmt::format("local{}", l)));
      b_.CreateStore(llvm::Constant::getNullValue(value_), locals_.back());  // the interpreter clears its locals
    }
    for (int s = 0; s < max_depth; ++s) stack_.push_back(slot(fmt::format("s{}", s)));
    scratch_ = b_.CreateAlloca(value_, b_.getInt32(max_operands), "scratch");
    scratch_->setAlignment(llvm::Align(16));

    // A block starts at the entry, at every jump target and after every instruction that ends a block.
    std::vector<llvm::BasicBlock*> block_at(f_.code.size() + 1, nullptr);
    auto leader = [&](size_t i) {
      if (!block_at[i]) block_at[i] = llvm::BasicBlock::Create(ctx_, fmt::format("i{}", i), fn_);
    };
    leader(0);
    for (size_t i = 0; i < f_.code.size(); ++i) {
      const plan::Instr& in = f_.code[i];
      if (in.op == Opcode::Jump || in.op == Opcode::JumpIfFalse || in.op == Opcode::JumpIfTrue || in.op == Opcode::JumpIfSome)
        leader(in.a);
      if (ends_block(in.op)) leader(i + 1);
    }
    failed_ = llvm::BasicBlock::Create(ctx_, "failed", fn_);
    b_.CreateBr(block_at[0]);

    for (size_t i = 0; i < f_.code.size(); ++i) {
      if (block_at[i]) {
        if (b_.GetInsertBlock() && !b_.GetInsertBlock()->getTerminator()) b_.CreateBr(block_at[i]);
        b_.SetInsertPoint(block_at[i]);
      }
      if (b_.GetInsertBlock()->getTerminator()) continue;  // unreachable code after a block's end
      if (depth[i] < 0) {
        b_.CreateUnreachable();
        continue;
      }
      instruction(static_cast<uint32_t>(i), static_cast<uint32_t>(depth[i]), block_at);
    }
    // Past the last instruction: the function ended without a result.
    if (block_at[f_.code.size()] || !b_.GetInsertBlock()->getTerminator()) {
      if (block_at[f_.code.size()]) {
        if (!b_.GetInsertBlock()->getTerminator()) b_.CreateBr(block_at[f_.code.size()]);
        b_.SetInsertPoint(block_at[f_.code.size()]);
      }
      call_helper(static_cast<uint32_t>(f_.code.size()), {});
      b_.CreateRet(b_.getInt32(1));
    }
    b_.SetInsertPoint(failed_);
    b_.CreateRet(b_.getInt32(1));
  }

 private:
  bool hot() const { return is_hot(f_); }

  llvm::AllocaInst* slot(const std::string& name) {
    llvm::AllocaInst* a = b_.CreateAlloca(value_, nullptr, name);
    a->setAlignment(llvm::Align(16));
    return a;
  }
  llvm::Value* field(llvm::Value* v, unsigned k) { return b_.CreateStructGEP(value_, v, k); }
  llvm::Value* load_field(llvm::Value* v, unsigned k) {
    return b_.CreateLoad(value_->getElementType(k), field(v, k));
  }
  llvm::Value* is_none(llvm::Value* v) { return b_.CreateICmpNE(load_field(v, 3), b_.getInt8(0)); }
  void copy(llvm::Value* from, llvm::Value* to) {
    b_.CreateAlignedStore(b_.CreateAlignedLoad(value_, from, llvm::MaybeAlign(16)), to, llvm::MaybeAlign(16));
  }
  llvm::Constant* constant(const plan::Value& v) {
    const uint64_t words[2] = {static_cast<uint64_t>(v.coef), static_cast<uint64_t>(v.coef >> 64)};  // C++20: arithmetic shift
    return llvm::ConstantStruct::get(value_, {llvm::ConstantInt::get(ctx_, llvm::APInt(128, words)),
                                              b_.getInt64(static_cast<uint64_t>(v.aux)),
                                              b_.getInt16(static_cast<uint16_t>(v.scale)), b_.getInt8(v.none ? 1 : 0)});
  }
  // Stores an integer result (Value::integer, Value::boolean): no aux, scale 0, a value.
  void store_integer(llvm::Value* to, llvm::Value* coef) {
    b_.CreateStore(b_.CreateSExtOrTrunc(coef, b_.getIntNTy(128)), field(to, 0));
    b_.CreateStore(b_.getInt64(0), field(to, 1));
    b_.CreateStore(b_.getInt16(0), field(to, 2));
    b_.CreateStore(b_.getInt8(0), field(to, 3));
  }
  // Runs instruction `instr` in the runtime on `operands` (copied into the scratch area); its result
  // (values[0]) goes to `result`. A failure leaves through the `failed` block.
  void call_helper(uint32_t instr, const std::vector<llvm::Value*>& operands, llvm::Value* result = nullptr) {
    for (size_t k = 0; k < operands.size(); ++k) copy(operands[k], b_.CreateConstInBoundsGEP1_32(value_, scratch_, static_cast<unsigned>(k)));
    llvm::Value* status = b_.CreateCall(helper_, {rt_, frame_, b_.getInt32(id_), b_.getInt32(instr), scratch_});
    auto* ok = llvm::BasicBlock::Create(ctx_, "ok", fn_);
    b_.CreateCondBr(b_.CreateICmpEQ(status, b_.getInt32(0)), ok, failed_,
                    llvm::MDBuilder(ctx_).createBranchWeights(1 << 20, 1));
    b_.SetInsertPoint(ok);
    if (result) copy(scratch_, result);
  }

  // The fast paths below are Decimal's own inline ones (core/decimal.h), which need no overflow check:
  // both coefficients fit 64 bits and the scales are valid ones. Anything else runs in the runtime.
  llvm::Value* narrow(llvm::Value* v) {
    llvm::Value* coef = load_field(v, 0);
    llvm::Value* fits = b_.CreateICmpEQ(b_.CreateSExt(b_.CreateTrunc(coef, b_.getInt64Ty()), coef->getType()), coef);
    return b_.CreateAnd(fits, b_.CreateICmpULE(load_field(v, 2), b_.getInt16(Decimal::kMaxScale)));
  }
  // `fast` holds: `inline_path` computes the result in place of x; else instruction `instr` in the runtime.
  template <typename Inline>
  void fast_or_runtime(uint32_t instr, llvm::Value* x, llvm::Value* y, llvm::Value* fast, Inline inline_path) {
    auto* quick = llvm::BasicBlock::Create(ctx_, "fast", fn_);
    auto* slow = llvm::BasicBlock::Create(ctx_, "slow", fn_);
    auto* done = llvm::BasicBlock::Create(ctx_, "done", fn_);
    b_.CreateCondBr(fast, quick, slow, llvm::MDBuilder(ctx_).createBranchWeights(1 << 10, 1));
    b_.SetInsertPoint(quick);
    inline_path();
    b_.CreateBr(done);
    b_.SetInsertPoint(slow);
    call_helper(instr, {x, y}, x);
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
  }
  llvm::Value* both_values(llvm::Value* x, llvm::Value* y) { return b_.CreateNot(b_.CreateOr(is_none(x), is_none(y))); }

  // Both values narrow, as decimal.h's fast paths want them, brought to the larger of their scales (the
  // other multiplied by 10^difference, exact in 128 bits): {x's coefficient, y's, the scale}.
  struct Aligned {
    llvm::Value *x, *y, *scale;
  };
  Aligned aligned(llvm::Value* x, llvm::Value* y) {
    llvm::Value* xs = load_field(x, 2);
    llvm::Value* ys = load_field(y, 2);
    llvm::Value* scale = b_.CreateSelect(b_.CreateICmpSLT(xs, ys), ys, xs);
    auto times_pow10 = [&](llvm::Value* coef, llvm::Value* s) {
      llvm::Value* k = b_.CreateZExt(b_.CreateSub(scale, s), b_.getInt64Ty());
      llvm::Value* factor = b_.CreateLoad(b_.getInt64Ty(), b_.CreateInBoundsGEP(pow10_->getValueType(), pow10_, {b_.getInt64(0), k}));
      return b_.CreateMul(coef, b_.CreateSExt(factor, coef->getType()));
    };
    return {times_pow10(load_field(x, 0), xs), times_pow10(load_field(y, 0), ys), scale};
  }

  // Add and Sub of two narrow values (Decimal::add's fast path), Mul of two narrow values whose scales
  // add up to at most 18 (Decimal::mul's): exact in 128 bits, decimal.h says why. Add and Sub keep x's
  // aux (a duration's unit), as ops::arithmetic does.
  void arithmetic(uint32_t instr, llvm::Value* x, llvm::Value* y) {
    const Opcode op = f_.code[instr].op;
    llvm::Value* fast = b_.CreateAnd(both_values(x, y), b_.CreateAnd(narrow(x), narrow(y)));
    if (op == Opcode::Mul)
      fast = b_.CreateAnd(fast, b_.CreateICmpSLE(b_.CreateAdd(load_field(x, 2), load_field(y, 2)), b_.getInt16(Decimal::kMaxScale)));
    fast_or_runtime(instr, x, y, fast, [&] {
      if (op == Opcode::Mul) {
        llvm::Value* scale = b_.CreateAdd(load_field(x, 2), load_field(y, 2));
        b_.CreateStore(b_.CreateMul(load_field(x, 0), load_field(y, 0)), field(x, 0));
        b_.CreateStore(b_.getInt64(0), field(x, 1));
        b_.CreateStore(scale, field(x, 2));
      } else {
        const Aligned v = aligned(x, y);
        b_.CreateStore(op == Opcode::Add ? b_.CreateAdd(v.x, v.y) : b_.CreateSub(v.x, v.y), field(x, 0));
        b_.CreateStore(v.scale, field(x, 2));
      }
    });
  }

  // Comparisons of two narrow values compare their coefficients at one scale (Decimal::compare's fast
  // path; vm::compare compares values of scale 0, dates and texts and enums, the same way).
  void comparison(uint32_t instr, llvm::Value* x, llvm::Value* y) {
    const Opcode op = f_.code[instr].op;
    llvm::Value* fast = b_.CreateAnd(both_values(x, y), b_.CreateAnd(narrow(x), narrow(y)));
    fast_or_runtime(instr, x, y, fast, [&] {
      const Aligned v = aligned(x, y);
      llvm::Value *a = v.x, *c = v.y;
      llvm::Value* r = op == Opcode::Eq ? b_.CreateICmpEQ(a, c) : op == Opcode::Ne ? b_.CreateICmpNE(a, c)
                       : op == Opcode::Lt ? b_.CreateICmpSLT(a, c) : op == Opcode::Le ? b_.CreateICmpSLE(a, c)
                       : op == Opcode::Gt ? b_.CreateICmpSGT(a, c) : b_.CreateICmpSGE(a, c);
      store_integer(x, b_.CreateZExt(r, b_.getInt64Ty()));
    });
  }

  llvm::BasicBlock* block(const char* name) { return llvm::BasicBlock::Create(ctx_, name, fn_); }
  llvm::MDNode* likely() { return llvm::MDBuilder(ctx_).createBranchWeights(1 << 10, 1); }
  llvm::Value* line_field(unsigned k) { return b_.CreateLoad(line_->getElementType(k), b_.CreateStructGEP(line_, cells_, k)); }

  // The value of the cell at `row` of `column` (a vm::ColumnCells) stored as `spec` says, as
  // engine::cell_value makes it, into `result`; to `slow` when the column has no cells to read.
  void cell(llvm::Value* column, llvm::Value* row, const ledger::ColumnSpec& spec, llvm::BasicBlock* slow, llvm::Value* result) {
    llvm::Value* values = b_.CreateLoad(column_->getElementType(0), b_.CreateStructGEP(column_, column, 0));
    auto* stored = block("cell");
    b_.CreateCondBr(b_.CreateIsNotNull(values), stored, slow, likely());
    b_.SetInsertPoint(stored);
    llvm::Value* value = b_.CreateLoad(b_.getInt64Ty(), b_.CreateInBoundsGEP(b_.getInt64Ty(), values, row));
    // An optional column's row without a value: missing.
    llvm::Value* present = b_.CreateLoad(column_->getElementType(1), b_.CreateStructGEP(column_, column, 1));
    auto* optional = block("cell.optional");
    auto* known = block("cell.known");
    llvm::BasicBlock* from = b_.GetInsertBlock();
    b_.CreateCondBr(b_.CreateIsNull(present), known, optional);
    b_.SetInsertPoint(optional);
    llvm::Value* absent = b_.CreateICmpEQ(b_.CreateLoad(b_.getInt8Ty(), b_.CreateInBoundsGEP(b_.getInt8Ty(), present, row)), b_.getInt8(0));
    b_.CreateBr(known);
    b_.SetInsertPoint(known);
    llvm::PHINode* none = b_.CreatePHI(b_.getInt1Ty(), 2);
    none->addIncoming(b_.getFalse(), from);
    none->addIncoming(absent, optional);
    const bool decimal = spec.kind == ledger::ColumnKind::Decimal || spec.kind == ledger::ColumnKind::Money ||
                         spec.kind == ledger::ColumnKind::Percent;
    const int16_t scale = decimal ? static_cast<int16_t>(spec.scale) : 0;
    b_.CreateStore(b_.CreateSelect(none, b_.getIntN(128, 0), b_.CreateSExt(value, b_.getIntNTy(128))), field(result, 0));
    b_.CreateStore(b_.getInt64(0), field(result, 1));
    b_.CreateStore(b_.CreateSelect(none, b_.getInt16(0), b_.getInt16(static_cast<uint16_t>(scale))), field(result, 2));
    b_.CreateStore(b_.CreateZExt(none, b_.getInt8Ty()), field(result, 3));
  }

  // Column, Lookup and Text in a row function: read from the line's cells (vm::LineCells) when the frame
  // has them, the table's row found once per line by the scan; else through the runtime (the Frame).
  void line_load(uint32_t i, llvm::Value* result) {
    const plan::Instr& in = f_.code[i];
    const plan::Input& ledger = plan_.inputs[f_.input];
    auto* direct = block("load");
    auto* slow = block("load.slow");
    auto* done = block("load.done");
    b_.CreateCondBr(b_.CreateIsNotNull(cells_), direct, slow, likely());
    b_.SetInsertPoint(direct);
    llvm::Value* row = b_.CreateZExt(line_field(0), b_.getInt64Ty());
    if (in.op == Opcode::Text) {
      llvm::Value* id = b_.CreateLoad(b_.getInt32Ty(), b_.CreateConstInBoundsGEP1_32(b_.getInt32Ty(), line_field(4), in.a));
      store_integer(result, b_.CreateZExt(id, b_.getInt64Ty()));
      b_.CreateBr(done);
    } else if (in.op == Opcode::Column) {
      cell(b_.CreateConstInBoundsGEP1_32(column_, line_field(1), in.a), row, ledger.spec.columns[in.a], slow, result);
      b_.CreateBr(done);
    } else {
      // Lookup: which of the ledger's lookup columns (a column that is none is the runtime's to answer).
      size_t k = 0;
      while (k < ledger.lookups.size() && ledger.lookups[k].first != in.a) ++k;
      if (k == ledger.lookups.size()) {
        b_.CreateBr(slow);
      } else {
        const uint32_t table = ledger.lookups[k].second;
        llvm::Value* rows = b_.CreateLoad(b_.getInt32Ty()->getPointerTo(), b_.CreateConstInBoundsGEP1_32(b_.getInt32Ty()->getPointerTo(), line_field(2), static_cast<unsigned>(k)));
        llvm::Value* table_row = b_.CreateLoad(b_.getInt32Ty(), b_.CreateInBoundsGEP(b_.getInt32Ty(), rows, row));
        auto* found = block("lookup.found");
        auto* none = block("lookup.none");
        b_.CreateCondBr(b_.CreateICmpEQ(table_row, b_.getInt32(UINT32_MAX)), none, found);
        b_.SetInsertPoint(none);
        b_.CreateStore(constant(plan::Value::missing()), result);
        b_.CreateBr(done);
        b_.SetInsertPoint(found);
        llvm::Value* columns = b_.CreateLoad(column_->getPointerTo(), b_.CreateConstInBoundsGEP1_32(column_->getPointerTo(), line_field(3), static_cast<unsigned>(k)));
        cell(b_.CreateConstInBoundsGEP1_32(column_, columns, in.b), b_.CreateZExt(table_row, b_.getInt64Ty()),
             plan_.inputs[table].spec.columns[in.b], slow, result);
        b_.CreateBr(done);
      }
    }
    b_.SetInsertPoint(slow);
    call_helper(i, {}, result);
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
  }

  void instruction(uint32_t i, uint32_t d, const std::vector<llvm::BasicBlock*>& block_at) {
    const plan::Instr& in = f_.code[i];
    const Effect e = effect(in);
    std::vector<llvm::Value*> operands;
    for (uint32_t k = d - e.pops; k < d; ++k) operands.push_back(stack_[k]);
    llvm::Value* top = d > 0 ? stack_[d - 1] : nullptr;
    llvm::Value* result = e.pushes ? stack_[d - e.pops] : nullptr;
    switch (in.op) {
      case Opcode::Const: b_.CreateStore(constant(plan_.constants[in.a]), result); break;
      case Opcode::Load: copy(locals_[in.a], result); break;
      case Opcode::Store: copy(top, locals_[in.a]); break;
      case Opcode::Pop: break;
      case Opcode::Neg:
      case Opcode::Abs: {
        // if (!x.none) x.coef = -x.coef (Abs: only when negative); the interpreter's wrap-around too.
        llvm::Value* coef = load_field(top, 0);
        llvm::Value* negated = b_.CreateSub(llvm::ConstantInt::get(coef->getType(), 0), coef);
        llvm::Value* change = b_.CreateNot(is_none(top));
        if (in.op == Opcode::Abs) change = b_.CreateAnd(change, b_.CreateICmpSLT(coef, llvm::ConstantInt::get(coef->getType(), 0)));
        b_.CreateStore(b_.CreateSelect(change, negated, coef), field(top, 0));
        break;
      }
      case Opcode::Not: {
        llvm::Value* none = is_none(top);
        llvm::Value* coef = load_field(top, 0);
        llvm::Value* negation = b_.CreateZExt(b_.CreateICmpEQ(coef, llvm::ConstantInt::get(coef->getType(), 0)), b_.getIntNTy(128));
        // none stays none, as it was; otherwise a boolean.
        auto* some = llvm::BasicBlock::Create(ctx_, "not", fn_);
        auto* done = llvm::BasicBlock::Create(ctx_, "not.done", fn_);
        b_.CreateCondBr(none, done, some);
        b_.SetInsertPoint(some);
        store_integer(top, negation);
        b_.CreateBr(done);
        b_.SetInsertPoint(done);
        break;
      }
      case Opcode::PeriodStart:
      case Opcode::PeriodEnd: {
        auto* some = llvm::BasicBlock::Create(ctx_, "period", fn_);
        auto* done = llvm::BasicBlock::Create(ctx_, "period.done", fn_);
        b_.CreateCondBr(is_none(top), done, some);
        b_.SetInsertPoint(some);
        llvm::Value* day = in.op == Opcode::PeriodStart ? b_.CreateTrunc(load_field(top, 0), b_.getInt64Ty()) : load_field(top, 1);
        store_integer(top, day);
        b_.CreateBr(done);
        b_.SetInsertPoint(done);
        break;
      }
      case Opcode::Jump: b_.CreateBr(block_at[in.a]); break;
      case Opcode::JumpIfFalse:
      case Opcode::JumpIfTrue: {
        auto* some = llvm::BasicBlock::Create(ctx_, "cond", fn_);
        auto* none = llvm::BasicBlock::Create(ctx_, "cond.none", fn_);
        b_.CreateCondBr(is_none(top), none, some);
        b_.SetInsertPoint(none);
        call_helper(i, {});  // the condition has no value: always an error
        b_.CreateBr(failed_);
        b_.SetInsertPoint(some);
        llvm::Value* coef = load_field(top, 0);
        llvm::Value* truthy = b_.CreateICmpNE(coef, llvm::ConstantInt::get(coef->getType(), 0));
        llvm::BasicBlock* target = block_at[in.a];
        llvm::BasicBlock* next = block_at[i + 1];
        if (in.op == Opcode::JumpIfTrue) b_.CreateCondBr(truthy, target, next);
        else b_.CreateCondBr(truthy, next, target);
        break;
      }
      case Opcode::JumpIfSome:
        b_.CreateCondBr(is_none(top), block_at[i + 1], block_at[in.a]);
        break;
      case Opcode::Return:
        copy(top, out_);
        b_.CreateRet(b_.getInt32(0));
        break;
      case Opcode::Fail:
        call_helper(i, {});
        b_.CreateBr(failed_);
        break;
      // The common cases inline in hot functions; cold ones (hot() says which) call the runtime for them
      // too, which keeps their code small: instruction selection of the 128-bit fast paths is most of
      // what compiling them costs.
      case Opcode::Add: case Opcode::Sub: case Opcode::Mul:
        if (hot()) arithmetic(i, operands[0], operands[1]);
        else call_helper(i, operands, result);
        break;
      case Opcode::Eq: case Opcode::Ne: case Opcode::Lt: case Opcode::Le: case Opcode::Gt: case Opcode::Ge:
        if (hot()) comparison(i, operands[0], operands[1]);
        else call_helper(i, operands, result);
        break;
      case Opcode::Text: case Opcode::Column: case Opcode::Lookup:
        if (f_.kind == plan::FunctionKind::Row && f_.input < plan_.inputs.size()) line_load(i, result);
        else call_helper(i, operands, result);
        break;
      // Other loads through the Frame and the other decimal operations: the runtime.
      case Opcode::GroupField: case Opcode::PartnerAttr:
      case Opcode::PartnerId: case Opcode::Period: case Opcode::Measure: case Opcode::Shifted: case Opcode::Aggregate:
      case Opcode::Decision: case Opcode::Div: case Opcode::Round: case Opcode::Min: case Opcode::Max:
      case Opcode::AddDuration: case Opcode::SubDuration: case Opcode::InList: case Opcode::InRange:
      case Opcode::InPeriod: case Opcode::TierOf: case Opcode::TierBy: case Opcode::PeriodPart: case Opcode::Convert:
      case Opcode::TextTest: case Opcode::TextMap:
        call_helper(i, operands, result);
        break;
    }
  }

  const plan::Plan& plan_;
  const plan::FunctionId id_;
  const plan::Function& f_;
  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::StructType* value_;
  llvm::StructType* column_;  // vm::ColumnCells
  llvm::StructType* line_;    // vm::LineCells
  llvm::FunctionCallee helper_;
  llvm::GlobalVariable* pow10_;  // 10^0 .. 10^18
  llvm::Function* fn_ = nullptr;
  llvm::Value *rt_ = nullptr, *frame_ = nullptr, *cells_ = nullptr, *out_ = nullptr;
  std::vector<llvm::AllocaInst*> locals_, stack_;
  llvm::AllocaInst* scratch_ = nullptr;
  llvm::BasicBlock* failed_ = nullptr;
};

}  // namespace

std::string function_symbol(const plan::Plan& plan, plan::FunctionId f) {
  std::string name = fmt::format("f{}.", f);
  for (char c : plan.functions[f].name) name += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return name;
}

void check_bytecode(const plan::Plan& plan) {
  for (const plan::Function& f : plan.functions) stack_depths(f);
}

std::unique_ptr<llvm::Module> generate(const plan::Plan& plan, const std::vector<plan::FunctionId>& functions,
                                       llvm::LLVMContext& context) {
  auto module = std::make_unique<llvm::Module>("rebate", context);
  // A Value as compiled code sees it: {coef, aux, scale, none}; helpers.h checks the C++ layout matches.
  auto* value = llvm::StructType::create(context, {llvm::Type::getIntNTy(context, 128), llvm::Type::getInt64Ty(context),
                                                   llvm::Type::getInt16Ty(context), llvm::Type::getInt8Ty(context)},
                                         "Value");
  llvm::Type* i32p = llvm::Type::getInt32PtrTy(context);
  auto* column = llvm::StructType::create(context, {llvm::Type::getInt64PtrTy(context), llvm::Type::getInt8PtrTy(context)}, "ColumnCells");
  auto* line = llvm::StructType::create(context, {llvm::Type::getInt32Ty(context), column->getPointerTo(), i32p->getPointerTo(),
                                                  column->getPointerTo()->getPointerTo(), i32p},
                                        "LineCells");
  const Types types{value, column, line};
  llvm::Type* i8p = llvm::Type::getInt8PtrTy(context);
  llvm::Type* i32 = llvm::Type::getInt32Ty(context);
  auto* helper_type = llvm::FunctionType::get(i32, {i8p, i8p, i32, i32, value->getPointerTo()}, false);
  llvm::FunctionCallee helper = module->getOrInsertFunction(kInstrHelper, helper_type);
  if (auto* h = llvm::dyn_cast<llvm::Function>(helper.getCallee())) h->addFnAttr(llvm::Attribute::NoUnwind);
  // 10^0 .. 10^18, for the fast paths that bring two values to one scale.
  std::vector<uint64_t> powers{1};
  while (powers.size() <= static_cast<size_t>(Decimal::kMaxScale)) powers.push_back(powers.back() * 10);
  auto* powers_type = llvm::ArrayType::get(llvm::Type::getInt64Ty(context), powers.size());
  auto* pow10 = new llvm::GlobalVariable(*module, powers_type, true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantDataArray::get(context, powers), "pow10");
  for (plan::FunctionId f : functions) FunctionBuilder(plan, f, *module, types, helper, pow10).build();
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*module, &os)) throw std::runtime_error("JIT: the generated module is invalid: " + os.str());
  return module;
}

}  // namespace rebate::jit
