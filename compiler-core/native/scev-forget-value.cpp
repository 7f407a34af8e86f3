// ScalarEvolution::forgetValue of LLVM 14 with its def-use walk pruned, linked into wanco-llvm in
// place of Debian's (scripts/build-toolchain.sh weakens the original's symbol).
//
// Why: LLVM 14 walks every transitive user of the value, whether or not any of them has a cached
// SCEV. In a C/R build every call carries the live Wasm locals in its deopt bundle, so a value's
// users reach nearly the whole function through the calls' results. LICM (once per hoisted
// instruction) and LCSSA (once per value used outside a loop) call forgetValue, which made them
// quadratic: on sqlite3's interpreter loop this walk was half of opt's time.
//
// The pruning is upstream's (llvm/llvm-project#198759): a user that has no cached SCEV is not
// walked, because none of its users can hold a SCEV computed from it (computing one caches it
// first); with.overflow intrinsics are the exception, since SCEV looks through them to their
// extractvalue users without caching the intrinsic. The SCEVs forgotten are those the original
// forgets; only walks that could find nothing are skipped.
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"

using namespace llvm;

void ScalarEvolution::forgetValue(Value *V) {
  Instruction *I = dyn_cast<Instruction>(V);
  if (!I) return;

  SmallVector<Instruction *, 16> Worklist;
  SmallPtrSet<Instruction *, 8> Visited;
  SmallVector<const SCEV *, 8> ToForget;
  Worklist.push_back(I);
  Visited.insert(I);

  while (!Worklist.empty()) {
    I = Worklist.pop_back_val();
    ValueExprMapType::iterator It = ValueExprMap.find_as(static_cast<Value *>(I));
    if (It != ValueExprMap.end()) {
      eraseValueFromMap(It->first);
      ToForget.push_back(It->second);
      if (PHINode *PN = dyn_cast<PHINode>(I)) ConstantEvolutionLoopExitValue.erase(PN);
    }
    for (User *U : I->users()) {
      auto *UserInsn = cast<Instruction>(U);
      if (!isa<WithOverflowInst>(UserInsn) &&
          ValueExprMap.find_as(static_cast<Value *>(UserInsn)) == ValueExprMap.end())
        continue;
      if (Visited.insert(UserInsn).second) Worklist.push_back(UserInsn);
    }
  }
  forgetMemoizedResults(ToForget);
}
