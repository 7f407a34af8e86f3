// wanco-llvm: the LLVM 14 tools the back end needs, in one static executable of our own
// (the bundled toolchain; compiler-core/src/backend/toolchain.ts runs it). Only the X86 and
// AArch64 targets are linked in. Each subcommand takes the arguments and cl::opt flags of the
// LLVM tool it stands for and does what that tool does, so the back end builds the same
// command lines for this and for Debian's tools (test/e2e/bundled-toolchain.test.ts compares
// their outputs byte for byte, with our CodeGenPrepare patch turned off: codegenprepare-ext-uses.patch):
//   wanco-llvm opt -passes=PIPELINE [-S] IN -o OUT           (opt's new-PM driver)
//   wanco-llvm llc -O<n> -filetype=obj -mtriple=... IN -o OUT (llc's compileModule)
//   wanco-llvm dis IN -o OUT | as IN -o OUT                   (llvm-dis, llvm-as)
//   wanco-llvm extract [--delete] --func=F... IN -o OUT       (llvm-extract)
//   wanco-llvm ld.lld ARGS...                                  (lld's ELF linker)
// Each invocation is its own process: LLVM's options are process-wide, and an LLVM crash
// (which the back end answers by splitting and retrying) must not take a caller down with it.
#include "lld/Common/Driver.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Bitcode/BitcodeWriterPass.h"
#include "llvm/CodeGen/CommandFlags.h"
#include "llvm/CodeGen/LinkAllAsmWriterComponents.h"
#include "llvm/CodeGen/LinkAllCodegenComponents.h"
#include "llvm/CodeGen/MachineModuleInfo.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/IRPrintingPasses.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/InitializePasses.h"
#include "llvm/LinkAllIR.h"
#include "llvm/LinkAllPasses.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Host.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace llvm;

extern "C" {
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86Target();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86AsmPrinter();
void LLVMInitializeX86AsmParser();
void LLVMInitializeAArch64TargetInfo();
void LLVMInitializeAArch64Target();
void LLVMInitializeAArch64TargetMC();
void LLVMInitializeAArch64AsmPrinter();
void LLVMInitializeAArch64AsmParser();
}

// Debian's LLVM registers its statically built Polly with every pass builder (Extension.def, in
// LLVM's LTO back end, which lld links in); wanco-llvm has no Polly: an extension that adds nothing.
PassPluginLibraryInfo getPollyPluginInfo() { return {LLVM_PLUGIN_API_VERSION, "Polly", "", [](PassBuilder &) {}}; }

static codegen::RegisterCodeGenFlags CodeGenFlags; // -mtriple, -mcpu, -mattr, -filetype, -relocation-model, ...

static cl::list<std::string> Inputs(cl::Positional, cl::desc("<input files>"), cl::ZeroOrMore);
static cl::opt<std::string> Output("o", cl::desc("output file"), cl::value_desc("filename"), cl::init("-"));
static cl::opt<std::string> Passes("passes", cl::desc("opt: the new pass manager's pipeline"), cl::init(""));
static cl::opt<bool> OutputAssembly("S", cl::desc("opt: write LLVM IR text"), cl::init(false));
static cl::opt<bool> DisableOutput("disable-output", cl::desc("opt: write nothing"), cl::init(false));
// as opt, llvm-as and llvm-extract: bitcode keeps each value's use-list order (later passes and
// code generation walk uses in that order); IR text does not, as opt -S and llvm-dis
static cl::opt<bool> PreserveBitcodeUseListOrder("preserve-bc-uselistorder", cl::desc("keep use-list order in bitcode"), cl::init(true));
static cl::opt<bool> PreserveAssemblyUseListOrder("preserve-ll-uselistorder", cl::desc("keep use-list order in IR text"), cl::init(false));
static cl::opt<bool> DebugPM("debug-pass-manager", cl::desc("opt: print each pass run"), cl::init(false));
static cl::opt<std::string> TargetTriple("mtriple", cl::desc("llc: override the module's target triple"), cl::init(""));
static cl::opt<char> OptLevel("O", cl::desc("llc: optimization level (-O0..-O3)"), cl::Prefix, cl::ZeroOrMore, cl::init(' '));
static cl::list<std::string> ExtractFuncs("func", cl::desc("extract: a function to extract"), cl::ZeroOrMore);
static cl::opt<bool> DeleteFn("delete", cl::desc("extract: delete the given functions instead"), cl::init(false));

static const char *Tool = "wanco-llvm";

[[noreturn]] static void fail(const Twine &Message) {
  WithColor::error(errs(), Tool) << Message << "\n";
  exit(1);
}

static void initTargets() {
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  LLVMInitializeX86AsmPrinter();
  LLVMInitializeX86AsmParser();
  LLVMInitializeAArch64TargetInfo();
  LLVMInitializeAArch64Target();
  LLVMInitializeAArch64TargetMC();
  LLVMInitializeAArch64AsmPrinter();
  LLVMInitializeAArch64AsmParser();
  PassRegistry &Registry = *PassRegistry::getPassRegistry();
  initializeCore(Registry);
  initializeCodeGen(Registry);
  initializeLoopStrengthReducePass(Registry);
  initializeLowerIntrinsicsPass(Registry);
  initializeScalarOpts(Registry);
  initializeVectorization(Registry);
  initializeScalarizeMaskedMemIntrinLegacyPassPass(Registry);
  initializeTransformUtils(Registry);
  initializeInstCombine(Registry);
  initializeAnalysis(Registry);
  initializeIPO(Registry);
  initializeTarget(Registry);
}

static std::string onlyInput() {
  if (Inputs.empty()) return "-"; // standard input, as the LLVM tools
  if (Inputs.size() != 1) fail("expected exactly one input file");
  return Inputs[0];
}

static std::unique_ptr<Module> readModule(LLVMContext &Context, const std::string &Path) {
  SMDiagnostic Err;
  std::unique_ptr<Module> M = parseIRFile(Path, Err, Context);
  if (!M) {
    Err.print(Tool, errs());
    exit(1);
  }
  return M;
}

static std::unique_ptr<ToolOutputFile> openOutput(bool Text) {
  std::error_code EC;
  auto Out = std::make_unique<ToolOutputFile>(Output, EC, Text ? sys::fs::OF_TextWithCRLF : sys::fs::OF_None);
  if (EC) fail(Output + ": " + EC.message());
  return Out;
}

static void verifyOrFail(const Module &M, const std::string &Path) {
  std::string Message;
  raw_string_ostream OS(Message);
  if (verifyModule(M, &OS)) fail(Path + ": input module is broken:\n" + OS.str());
}

// opt -passes=...: tools/opt/NewPMDriver.cpp's runPassPipeline, without PGO, plugins and debugify.
static int runOpt() {
  const std::string In = onlyInput();
  LLVMContext Context;
  std::unique_ptr<Module> M = readModule(Context, In);
  verifyOrFail(*M, In);
  Triple ModuleTriple(M->getTargetTriple());
  std::unique_ptr<TargetMachine> TM;
  std::string CPU, Features;
  if (ModuleTriple.getArch()) {
    std::string Error;
    const Target *T = TargetRegistry::lookupTarget(codegen::getMArch(), ModuleTriple, Error);
    if (!T) fail(In + ": " + Error);
    CPU = codegen::getCPUStr();
    Features = codegen::getFeaturesStr();
    TM.reset(T->createTargetMachine(ModuleTriple.getTriple(), CPU, Features,
                                    codegen::InitTargetOptionsFromCodeGenFlags(ModuleTriple),
                                    codegen::getExplicitRelocModel(), codegen::getExplicitCodeModel(), CodeGenOpt::None));
  }
  codegen::setFunctionAttributes(CPU, Features, *M);
  TargetLibraryInfoImpl TLII(ModuleTriple);

  LoopAnalysisManager LAM;
  FunctionAnalysisManager FAM;
  CGSCCAnalysisManager CGAM;
  ModuleAnalysisManager MAM;
  PassInstrumentationCallbacks PIC;
  StandardInstrumentations SI(DebugPM, false);
  SI.registerCallbacks(PIC, &FAM);
  PipelineTuningOptions PTO;
  PTO.LoopUnrolling = true;
  PassBuilder PB(TM.get(), PTO, None, &PIC);
  AAManager AA;
  if (auto Err = PB.parseAAPipeline(AA, "default")) fail(toString(std::move(Err)));
  FAM.registerPass([&] { return std::move(AA); });
  FAM.registerPass([&] { return TargetLibraryAnalysis(TLII); });
  PB.registerModuleAnalyses(MAM);
  PB.registerCGSCCAnalyses(CGAM);
  PB.registerFunctionAnalyses(FAM);
  PB.registerLoopAnalyses(LAM);
  PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);

  ModulePassManager MPM;
  MPM.addPass(VerifierPass());
  if (!Passes.empty()) {
    if (auto Err = PB.parsePassPipeline(MPM, Passes)) fail(toString(std::move(Err)));
  }
  MPM.addPass(VerifierPass());
  std::unique_ptr<ToolOutputFile> Out;
  if (!DisableOutput) {
    Out = openOutput(OutputAssembly);
    if (OutputAssembly)
      MPM.addPass(PrintModulePass(Out->os(), "", PreserveAssemblyUseListOrder));
    else
      MPM.addPass(BitcodeWriterPass(Out->os(), PreserveBitcodeUseListOrder, false, false));
  }
  MPM.run(*M, MAM);
  if (Out) Out->keep();
  return 0;
}

// As llc's: every diagnostic printed, and an error fails the run once code generation has ended.
struct LlcDiagnostics : DiagnosticHandler {
  bool HasError = false;
  bool handleDiagnostics(const DiagnosticInfo &DI) override {
    if (DI.getSeverity() == DS_Error) HasError = true;
    if (auto *Remark = dyn_cast<DiagnosticInfoOptimizationBase>(&DI))
      if (!Remark->isEnabled()) return true;
    DiagnosticPrinterRawOStream DP(errs());
    errs() << LLVMContext::getDiagnosticMessagePrefix(DI.getSeverity()) << ": ";
    DI.print(DP);
    errs() << "\n";
    return true;
  }
};

// llc: tools/llc/llc.cpp's compileModule for one module, one output file.
static int runLlc() {
  const std::string In = onlyInput();
  CodeGenOpt::Level Level = CodeGenOpt::Default;
  switch (OptLevel) {
  case ' ': case '2': Level = CodeGenOpt::Default; break;
  case '0': Level = CodeGenOpt::None; break;
  case '1': Level = CodeGenOpt::Less; break;
  case '3': Level = CodeGenOpt::Aggressive; break;
  default: fail(std::string("invalid optimization level -O") + static_cast<char>(OptLevel));
  }
  LLVMContext Context;
  Context.setDiagnosticHandler(std::make_unique<LlcDiagnostics>());
  std::unique_ptr<TargetMachine> TM;
  Triple TheTriple;
  const std::string CPU = codegen::getCPUStr(), Features = codegen::getFeaturesStr();
  // As llc: the module takes the target machine's data layout while it is parsed.
  auto SetDataLayout = [&](StringRef ModuleTriple) -> Optional<std::string> {
    TheTriple = Triple(Triple::normalize(TargetTriple.empty() ? ModuleTriple.str() : TargetTriple));
    if (TheTriple.getTriple().empty()) TheTriple.setTriple(sys::getDefaultTargetTriple());
    std::string Error;
    const Target *T = TargetRegistry::lookupTarget(codegen::getMArch(), TheTriple, Error);
    if (!T) fail(In + ": " + Error);
    TargetOptions Options = codegen::InitTargetOptionsFromCodeGenFlags(TheTriple);
    TM.reset(T->createTargetMachine(TheTriple.getTriple(), CPU, Features, Options,
                                    codegen::getExplicitRelocModel(), codegen::getExplicitCodeModel(), Level));
    if (!TM) fail(In + ": could not allocate a target machine");
    return TM->createDataLayout().getStringRepresentation();
  };
  SMDiagnostic Err;
  std::unique_ptr<Module> M = parseIRFile(In, Err, Context, SetDataLayout);
  if (!M) {
    Err.print(Tool, errs());
    return 1;
  }
  if (!TargetTriple.empty()) M->setTargetTriple(Triple::normalize(TargetTriple));
  verifyOrFail(*M, In);

  TargetLibraryInfoImpl TLII(Triple(M->getTargetTriple()));
  legacy::PassManager PM;
  PM.add(new TargetLibraryInfoWrapperPass(TLII));
  codegen::setFunctionAttributes(CPU, Features, *M);
  auto Out = openOutput(codegen::getFileType() != CGFT_ObjectFile);
  auto &LLVMTM = static_cast<LLVMTargetMachine &>(*TM);
  auto *MMIWP = new MachineModuleInfoWrapperPass(&LLVMTM);
  if (TM->addPassesToEmitFile(PM, Out->os(), nullptr, codegen::getFileType(), false, MMIWP))
    fail("target does not support generation of this file type");
  PM.run(*M);
  if (static_cast<const LlcDiagnostics *>(Context.getDiagHandlerPtr())->HasError) return 1;
  Out->keep();
  return 0;
}

// llvm-dis / llvm-as: one module, text <-> bitcode.
static int runDis() {
  const std::string In = onlyInput();
  LLVMContext Context;
  std::unique_ptr<Module> M = readModule(Context, In);
  auto Out = openOutput(true);
  M->print(Out->os(), nullptr, PreserveAssemblyUseListOrder);
  Out->keep();
  return 0;
}

static int runAs() {
  const std::string In = onlyInput();
  LLVMContext Context;
  std::unique_ptr<Module> M = readModule(Context, In);
  verifyOrFail(*M, In);
  auto Out = openOutput(false);
  WriteBitcodeToFile(*M, Out->os(), PreserveBitcodeUseListOrder);
  Out->keep();
  return 0;
}

// llvm-extract --func=... [--delete]: tools/llvm-extract's GV extraction, then its clean-ups.
static int runExtract() {
  const std::string In = onlyInput();
  LLVMContext Context;
  std::unique_ptr<Module> M = readModule(Context, In);
  std::vector<GlobalValue *> GVs;
  for (const std::string &Name : ExtractFuncs) {
    Function *F = M->getFunction(Name);
    if (!F) fail(In + ": program doesn't contain function named '" + Name + "'");
    GVs.push_back(F);
  }
  {
    legacy::PassManager Extract;
    Extract.add(createGVExtractionPass(GVs, DeleteFn, false));
    Extract.run(*M);
  }
  legacy::PassManager Cleanup;
  if (!DeleteFn) Cleanup.add(createGlobalDCEPass());
  Cleanup.add(createStripDeadDebugInfoPass());
  Cleanup.add(createStripDeadPrototypesPass());
  auto Out = openOutput(false);
  Cleanup.add(createBitcodeWriterPass(Out->os(), PreserveBitcodeUseListOrder));
  Cleanup.run(*M);
  Out->keep();
  return 0;
}

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  if (argc < 2) {
    errs() << "usage: wanco-llvm opt|llc|dis|as|extract|ld.lld ARGS...\n";
    return 2;
  }
  const std::string Sub = argv[1];
  if (Sub == "ld.lld") {
    // lld parses its own arguments; argv[0] names the flavour.
    std::vector<const char *> Args{"ld.lld"};
    for (int i = 2; i < argc; i++) Args.push_back(argv[i]);
    return lld::elf::link(Args, outs(), errs(), true, false) ? 0 : 1;
  }
  int (*Run)() = Sub == "opt" ? runOpt : Sub == "llc" ? runLlc : Sub == "dis" ? runDis
               : Sub == "as" ? runAs : Sub == "extract" ? runExtract : nullptr;
  if (!Run) {
    errs() << "wanco-llvm: unknown tool '" << Sub << "' (opt, llc, dis, as, extract, ld.lld)\n";
    return 2;
  }
  static std::string Name = "wanco-llvm " + Sub;
  Tool = Name.c_str();
  initTargets();
  std::vector<const char *> Args{Tool};
  for (int i = 2; i < argc; i++) Args.push_back(argv[i]);
  // WANCO_LLVM_OPTIONS: LLVM options added to every tool's command line (the toolchain test
  // passes -cgp-rewrite-ext-uses-again to compare with Debian's LLVM, which lacks our patch).
  cl::ParseCommandLineOptions(static_cast<int>(Args.size()), Args.data(), "wanco's LLVM 14 tools\n", nullptr, "WANCO_LLVM_OPTIONS");
  return Run();
}
