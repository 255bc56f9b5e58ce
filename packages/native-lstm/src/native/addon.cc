// N-API addon: one f32 LSTM layer (time-major, or batch-major with Layer(T, B, I, H, true)) on
// oneDNN 2.x primitives.
//
// Layouts (all byte-identical to the Keras / tfjs LSTM weights, gate order i, f, c~, o):
//   x        [T,B,I]  -> tnc            kernel          [I,4H] -> ldigo [1,1,I,4,H]
//   y        [T,B,H]  -> tnc            recurrentKernel [H,4H] -> ldigo [1,1,H,4,H]
//   h, c     [B,H]    -> ldnc [1,1,B,H] bias            [4H]   -> ldgo  [1,1,4,H]
// The primitives pick their own weight layouts (format_tag::any); user weights are reordered
// into them when needed (backward wants ldgoi) and cached until the weights change.
//
// Pitfalls handled here (each proven by the jest suite):
//  - diff weight buffers accumulate across backward calls: they are zeroed before each call;
//  - oneDNN 2.6.3 computes a wrong recurrent-weight gradient without an initial-state
//    descriptor: explicit zero src_iter / src_iter_c (and their diffs) are always passed;
//  - primitives use a user-managed scratchpad: with oneDNN's default (library) scratchpad a
//    primitive created on the JS thread crashes when executed on a libuv worker (async calls).
//    One scratchpad buffer is shared by all layers; executions are serialized by a process-wide
//    mutex (two concurrent OpenMP teams on the same cores would only fight);
//  - primitives must run with the OpenMP thread count they were created with: they are
//    re-created when setThreads() changed it (backward always uses the forward's count).

#include <napi.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <csignal>
#include <pthread.h>
#include <sys/mman.h>
#include <string>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using dims_t = memory::dims;

namespace {

std::atomic<int> g_threads{0};

engine &cpuEngine() {
  static engine eng(engine::kind::cpu, 0);
  return eng;
}

double nowMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

void applyThreads(int n) {
  if (n > 0) omp_set_num_threads(n);
}

void zeroMem(const memory &m) {
  std::memset(m.get_data_handle(), 0, m.get_desc().get_size());
}

// Splits [0, n) over the addon's threads and runs f(begin, end); one thread when the work (in
// elements, n unless given) is under 64k, or when serial.
template <typename F>
void parallelRanges(int64_t n, F f, int64_t work = -1, bool serial = false) {
  const int threads = !serial && (work < 0 ? n : work) >= (int64_t(1) << 16) ? std::max(1, g_threads.load()) : 1;
  const int64_t chunk = (n + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    const int64_t b = std::min<int64_t>(n, int64_t(t) * chunk);
    f(b, std::min<int64_t>(n, b + chunk));
  }
}

// Copies a sequence between the caller's layout and oneDNN's time-major [T,B,C] (tnc): for a
// batch-major caller ([B,T,C]) row t·B+b of the time-major side is row b·T+t of the other. oneDNN's
// own ntc (batch-major) path costs the seed-doc stack 4% more at one thread and 8% at two (its
// copies into and out of the workspace are strided); these copies replace plain memcpys, on the
// addon's threads.
void copySequence(const float *src, float *dst, int64_t T, int64_t B, int64_t C, bool batchMajor, bool toTimeMajor, bool serial) {
  const int64_t rows = T * B;
  if (!batchMajor) {
    parallelRanges(rows, [&](int64_t b, int64_t e) { std::memcpy(dst + b * C, src + b * C, size_t((e - b) * C) * 4); }, rows * C, serial);
    return;
  }
  parallelRanges(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          // r indexes the time-major side: r = t·B + b
          const int64_t t = r / B, b = r % B, other = b * T + t;
          const float *from = src + (toTimeMajor ? other : r) * C;
          float *to = dst + (toTimeMajor ? r : other) * C;
          if (C == 1)
            *to = *from;
          else
            std::memcpy(to, from, size_t(C) * 4);
        }
      },
      rows * C, serial);
}

// oneDNN 2.6's JIT kernels (and the OpenMP threads running them) must not be interrupted by a
// signal handler: a handler (Node's for SIGINT / SIGPROF of --cpu-prof, any process.on(signal))
// running on their stack corrupts the heap ("corrupted size vs. prev_size", reproduced by
// sending SIGUSR2 in a loop during forward/backward). Asynchronous signals are blocked on the
// executing thread while oneDNN runs and delivered when it returns (Ctrl-C still lands within the
// call); OpenMP workers created meanwhile inherit the blocked mask, so they never take one.
class SignalShield {
 public:
  SignalShield() {
    sigset_t all;
    sigfillset(&all);
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&all, s);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
  }
  ~SignalShield() { pthread_sigmask(SIG_SETMASK, &saved, nullptr); }
  SignalShield(const SignalShield &) = delete;
  SignalShield &operator=(const SignalShield &) = delete;

 private:
  sigset_t saved;
};

float *ptr(const memory &m) { return static_cast<float *>(m.get_data_handle()); }

// Workspaces, activations and their gradients are hundreds of MB: on 4 KiB pages their first touch
// costs ~150k page faults per run (most of a first step's extra second) and the TLB misses stay.
// Buffers of 2 MiB and more are 2 MiB aligned and advised onto transparent huge pages (a no-op
// where THP is off).
constexpr size_t kHuge = size_t(1) << 21;

void *bigAlloc(size_t bytes, size_t *allocated) {
  const size_t align = bytes >= kHuge ? kHuge : 64;
  const size_t sz = (bytes + align - 1) / align * align;
  void *p = std::aligned_alloc(align, sz);
  if (!p) throw std::bad_alloc();
  if (align == kHuge) madvise(p, sz, MADV_HUGEPAGE);
  if (allocated) *allocated = sz;
  return p;
}

primitive_attr userScratchpad() {
  primitive_attr attr;
  attr.set_scratchpad_mode(scratchpad_mode::user);
  return attr;
}

// One 64-byte aligned buffer shared by the primitives of a layer (they never run concurrently).
struct ScratchBuf {
  void *p = nullptr;
  size_t n = 0;
  ScratchBuf() = default;
  ScratchBuf(const ScratchBuf &) = delete;
  ScratchBuf &operator=(const ScratchBuf &) = delete;
  ~ScratchBuf() { std::free(p); }
  // grows when needed; returns true when the buffer moved (old wrappers are then stale)
  bool reserve(size_t need) {
    if (need <= n) return false;
    size_t sz = 0;
    void *q = bigAlloc(need, &sz);
    std::free(p);
    p = q;
    n = sz;
    return true;
  }
  memory wrap(const memory::desc &d) const { return memory(d, cpuEngine(), p); }
  void release() {
    std::free(p);
    p = nullptr;
    n = 0;
  }
};

// Process-wide: one oneDNN execution at a time, one scratchpad for everybody.
std::mutex g_execMutex;
ScratchBuf g_scratch;
int g_liveLayers = 0;  // guarded by g_execMutex; the scratchpad is freed when it drops to 0

// Only call with g_execMutex held.
memory scratchFor(const memory::desc &d) {
  g_scratch.reserve(d.get_size());
  return g_scratch.wrap(d);
}

// A weight tensor in the layout a primitive wants, refreshed from the user copy on change.
struct CachedWeights {
  memory mem;
  uint64_t gen = ~uint64_t(0);
  bool isUser = false;

  memory get(const memory::desc &want, const memory &user, uint64_t userGen, stream &s) {
    if (want == user.get_desc()) {
      isUser = true;
      return user;
    }
    isUser = false;
    if (!mem || !(mem.get_desc() == want)) {
      mem = memory(want, cpuEngine());
      gen = ~uint64_t(0);
    }
    if (gen != userGen) {
      memory src = user;
      reorder(src, mem).execute(s, src, mem);
      s.wait();
      gen = userGen;
    }
    return mem;
  }
  void reset() {
    mem = memory();
    gen = ~uint64_t(0);
  }
};

// Inference primitive for one step (T = 1) at a given batch size, with explicit state in/out.
struct StepPrim {
  int64_t B = 0;
  int threads = 0;
  lstm_forward::primitive_desc pd;
  lstm_forward prim;
  CachedWeights wl, wi;
  memory x, h, c, y, hn, cn;
};

struct Timings {
  double copyInMs = 0, computeMs = 0, copyOutMs = 0;
};

class LstmCore {
 public:
  int64_t T, B, I, H;

  // batchMajor: the caller's x, y, dx, dy are [B,T,·] instead of [T,B,·], so a batch-major caller
  // (tfjs layers) needs no transposes; oneDNN always runs time-major (see copySequence).
  const bool batchMajor;

  LstmCore(int64_t T_, int64_t B_, int64_t I_, int64_t H_, bool batchMajor_)
      : T(T_), B(B_), I(I_), H(H_), batchMajor(batchMajor_), strm(cpuEngine()) {
    auto &eng = cpuEngine();
    wlUser = memory({{1, 1, I, 4, H}, dt::f32, tag::ldigo}, eng);
    wiUser = memory({{1, 1, H, 4, H}, dt::f32, tag::ldigo}, eng);
    biasUser = memory({{1, 1, 4, H}, dt::f32, tag::ldgo}, eng);
    zeroMem(wlUser);
    zeroMem(wiUser);
    zeroMem(biasUser);
    allocData();
    std::lock_guard<std::mutex> lock(g_execMutex);
    ++g_liveLayers;
  }

  ~LstmCore() {
    std::lock_guard<std::mutex> lock(g_execMutex);
    if (--g_liveLayers == 0) g_scratch.release();
  }

  // ---- sizes -------------------------------------------------------------------------------
  size_t xLen() const { return size_t(T * B * I); }
  size_t yLen() const { return size_t(T * B * H); }
  size_t kLen() const { return size_t(I * 4 * H); }
  size_t rkLen() const { return size_t(H * 4 * H); }
  size_t bLen() const { return size_t(4 * H); }

  void resize(int64_t T_, int64_t B_) {
    if (T_ == T && B_ == B) return;
    T = T_;
    B = B_;
    dropPrims();
    allocData();
  }

  void setWeights(const float *k, const float *rk, const float *b) {
    if (k) std::memcpy(ptr(wlUser), k, kLen() * 4);
    if (rk) std::memcpy(ptr(wiUser), rk, rkLen() * 4);
    if (b) std::memcpy(ptr(biasUser), b, bLen() * 4);
    ++wGen;
    hasWeights = true;
  }

  // A caller's sequence into one of the time-major buffers (x, dy) or out of one (y, dx): on the
  // addon's threads, or on this thread alone while another layer's async call holds them (the JS
  // thread never waits for a compute; only this layer's buffers are touched).
  void seqIn(memory &m, const float *src, int64_t C) { copySeq(src, ptr(m), C, true); }
  void seqOut(const memory &m, float *dst, int64_t C) { copySeq(ptr(m), dst, C, false); }
  void copySeq(const float *src, float *dst, int64_t C, bool toTimeMajor) {
    std::unique_lock<std::mutex> lock(g_execMutex, std::try_to_lock);
    if (!lock.owns_lock()) return copySequence(src, dst, T, B, C, batchMajor, toTimeMajor, true);
    SignalShield shield;
    copySequence(src, dst, T, B, C, batchMajor, toTimeMajor, false);
  }

  // ---- forward -----------------------------------------------------------------------------
  // x must already be in xMem. Output stays in yMem.
  void computeForward(bool training) {
    std::lock_guard<std::mutex> lock(g_execMutex);
    SignalShield shield;
    int threads = g_threads.load();
    applyThreads(threads);
    double t0 = nowMs();
    if (training) {
      if (!fwd || builtThreads != threads) buildTraining(threads);
      memory wl = fwdWl.get(fwdPd.weights_layer_desc(), wlUser, wGen, strm);
      memory wi = fwdWi.get(fwdPd.weights_iter_desc(), wiUser, wGen, strm);
      fwd.execute(strm, {{DNNL_ARG_SRC_LAYER, xMem},
                         {DNNL_ARG_SRC_ITER, h0},
                         {DNNL_ARG_SRC_ITER_C, c0},
                         {DNNL_ARG_WEIGHTS_LAYER, wl},
                         {DNNL_ARG_WEIGHTS_ITER, wi},
                         {DNNL_ARG_BIAS, biasUser},
                         {DNNL_ARG_DST_LAYER, yMem},
                         {DNNL_ARG_WORKSPACE, ws},
                         {DNNL_ARG_SCRATCHPAD, scratchFor(fwdPd.scratchpad_desc())}});
      strm.wait();
      trainedGen = wGen;
      haveTrainingForward = true;
    } else {
      if (!inf || infThreads != threads) buildInference(threads);
      memory wl = infWl.get(infPd.weights_layer_desc(), wlUser, wGen, strm);
      memory wi = infWi.get(infPd.weights_iter_desc(), wiUser, wGen, strm);
      inf.execute(strm, {{DNNL_ARG_SRC_LAYER, xMem},
                         {DNNL_ARG_SRC_ITER, h0},
                         {DNNL_ARG_SRC_ITER_C, c0},
                         {DNNL_ARG_WEIGHTS_LAYER, wl},
                         {DNNL_ARG_WEIGHTS_ITER, wi},
                         {DNNL_ARG_BIAS, biasUser},
                         {DNNL_ARG_DST_LAYER, yMem},
                         {DNNL_ARG_SCRATCHPAD, scratchFor(infPd.scratchpad_desc())}});
      strm.wait();
      // an inference forward overwrote yMem: a later backward would see the wrong outputs
      haveTrainingForward = false;
    }
    timings.computeMs = nowMs() - t0;
  }

  // ---- backward ----------------------------------------------------------------------------
  // dy must already be in dyMem. Gradients end up in dxMem and d*User.
  void computeBackward() {
    if (!haveTrainingForward) throw std::runtime_error("backward() needs a preceding forward({ training: true }) with the same dims");
    if (trainedGen != wGen) throw std::runtime_error("weights changed between forward() and backward()");
    std::lock_guard<std::mutex> lock(g_execMutex);
    SignalShield shield;
    applyThreads(builtThreads);  // same thread count the primitives were created with
    double t0 = nowMs();
    memory wl = bwdWl.get(bwdPd.weights_layer_desc(), wlUser, wGen, strm);
    memory wi = bwdWi.get(bwdPd.weights_iter_desc(), wiUser, wGen, strm);
    // diff weights accumulate in oneDNN: start from zero every call
    zeroMem(dwlPrim);
    zeroMem(dwiPrim);
    zeroMem(dbPrim);
    zeroMem(dh0);
    zeroMem(dc0);
    bwd.execute(strm, {{DNNL_ARG_SRC_LAYER, xMem},
                       {DNNL_ARG_SRC_ITER, h0},
                       {DNNL_ARG_SRC_ITER_C, c0},
                       {DNNL_ARG_WEIGHTS_LAYER, wl},
                       {DNNL_ARG_WEIGHTS_ITER, wi},
                       {DNNL_ARG_BIAS, biasUser},
                       {DNNL_ARG_DST_LAYER, yMem},
                       {DNNL_ARG_WORKSPACE, ws},
                       {DNNL_ARG_DIFF_DST_LAYER, dyMem},
                       {DNNL_ARG_DIFF_SRC_LAYER, dxMem},
                       {DNNL_ARG_DIFF_SRC_ITER, dh0},
                       {DNNL_ARG_DIFF_SRC_ITER_C, dc0},
                       {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwlPrim},
                       {DNNL_ARG_DIFF_WEIGHTS_ITER, dwiPrim},
                       {DNNL_ARG_DIFF_BIAS, dbPrim},
                       {DNNL_ARG_SCRATCHPAD, scratchFor(bwdPd.scratchpad_desc())}});
    if (dwlUser != dwlPrim) reorder(dwlPrim, dwlUser).execute(strm, dwlPrim, dwlUser);
    if (dwiUser != dwiPrim) reorder(dwiPrim, dwiUser).execute(strm, dwiPrim, dwiUser);
    if (dbUser != dbPrim) reorder(dbPrim, dbUser).execute(strm, dbPrim, dbUser);
    strm.wait();
    timings.computeMs = nowMs() - t0;
  }

  // ---- one inference step with explicit state ------------------------------------------
  StepPrim &stepPrim(int64_t Bs) {
    int threads = g_threads.load();
    auto it = steps.find(Bs);
    if (it != steps.end() && it->second->threads == threads) return *it->second;
    auto sp = std::make_unique<StepPrim>();
    auto &eng = cpuEngine();
    sp->B = Bs;
    sp->threads = threads;
    memory::desc src({1, Bs, I}, dt::f32, tag::tnc), iter({1, 1, Bs, H}, dt::f32, tag::ldnc),
        dst({1, Bs, H}, dt::f32, tag::tnc);
    lstm_forward::desc d(prop_kind::forward_inference, rnn_direction::unidirectional_left2right, src, iter, iter,
                         wlAny(), wiAny(), biasUser.get_desc(), dst, iter, iter);
    sp->pd = lstm_forward::primitive_desc(d, userScratchpad(), eng);
    sp->prim = lstm_forward(sp->pd);
    sp->x = memory(src, eng);
    sp->h = memory(iter, eng);
    sp->c = memory(iter, eng);
    sp->y = memory(dst, eng);
    sp->hn = memory(iter, eng);
    sp->cn = memory(iter, eng);
    auto &slot = steps[Bs];
    slot = std::move(sp);
    return *slot;
  }

  void computeStep(StepPrim &sp) {
    std::lock_guard<std::mutex> lock(g_execMutex);
    SignalShield shield;
    applyThreads(sp.threads);
    memory wl = sp.wl.get(sp.pd.weights_layer_desc(), wlUser, wGen, strm);
    memory wi = sp.wi.get(sp.pd.weights_iter_desc(), wiUser, wGen, strm);
    sp.prim.execute(strm, {{DNNL_ARG_SRC_LAYER, sp.x},
                           {DNNL_ARG_SRC_ITER, sp.h},
                           {DNNL_ARG_SRC_ITER_C, sp.c},
                           {DNNL_ARG_WEIGHTS_LAYER, wl},
                           {DNNL_ARG_WEIGHTS_ITER, wi},
                           {DNNL_ARG_BIAS, biasUser},
                           {DNNL_ARG_DST_LAYER, sp.y},
                           {DNNL_ARG_DST_ITER, sp.hn},
                           {DNNL_ARG_DST_ITER_C, sp.cn},
                           {DNNL_ARG_SCRATCHPAD, scratchFor(sp.pd.scratchpad_desc())}});
    strm.wait();
  }

  struct MemReport {
    size_t workspace = 0, scratchpad = 0, data = 0, gradients = 0, weights = 0;
    // the scratchpad is shared process-wide, so it is not part of a layer's total
    size_t total() const { return workspace + data + gradients + weights; }
  };

  MemReport memoryReport() const {
    MemReport r;
    auto sz = [](const memory &m) -> size_t { return m ? m.get_desc().get_size() : 0; };
    r.workspace = sz(ws);
    // the scratchpad this layer needs from the shared buffer (see sharedScratchpadBytes())
    if (fwd) r.scratchpad = std::max(fwdPd.scratchpad_desc().get_size(), bwdPd.scratchpad_desc().get_size());
    if (inf) r.scratchpad = std::max(r.scratchpad, infPd.scratchpad_desc().get_size());
    for (auto &kv : steps) r.scratchpad = std::max(r.scratchpad, kv.second->pd.scratchpad_desc().get_size());
    for (auto *m : {&xMem, &yMem, &h0, &c0, &dyMem, &dxMem, &dh0, &dc0}) r.data += sz(*m);
    for (auto &kv : steps)
      for (auto *m : {&kv.second->x, &kv.second->h, &kv.second->c, &kv.second->y, &kv.second->hn, &kv.second->cn})
        r.data += sz(*m);
    r.gradients = sz(dwlPrim) + sz(dwiPrim) + sz(dbPrim);
    if (dwlUser != dwlPrim) r.gradients += sz(dwlUser);
    if (dwiUser != dwiPrim) r.gradients += sz(dwiUser);
    if (dbUser != dbPrim) r.gradients += sz(dbUser);
    r.weights = sz(wlUser) + sz(wiUser) + sz(biasUser);
    for (auto *c : {&fwdWl, &fwdWi, &bwdWl, &bwdWi, &infWl, &infWi})
      if (!c->isUser) r.weights += sz(c->mem);
    for (auto &kv : steps)
      for (auto *c : {&kv.second->wl, &kv.second->wi})
        if (!c->isUser) r.weights += sz(c->mem);
    return r;
  }

  memory wlUser, wiUser, biasUser;
  memory xMem, yMem, dyMem, dxMem;
  memory dwlUser, dwiUser, dbUser;
  Timings timings;
  bool hasWeights = false;
  std::map<int64_t, std::unique_ptr<StepPrim>> steps;

 private:
  stream strm;
  uint64_t wGen = 0, trainedGen = ~uint64_t(0);
  bool haveTrainingForward = false;
  int builtThreads = -1, infThreads = -1;
  memory h0, c0, dh0, dc0, ws;
  memory dwlPrim, dwiPrim, dbPrim;
  lstm_forward::primitive_desc fwdPd, infPd;
  lstm_forward fwd, inf;
  lstm_backward::primitive_desc bwdPd;
  lstm_backward bwd;
  CachedWeights fwdWl, fwdWi, bwdWl, bwdWi, infWl, infWi;

  memory::desc wlAny() const { return memory::desc({1, 1, I, 4, H}, dt::f32, tag::any); }
  memory::desc wiAny() const { return memory::desc({1, 1, H, 4, H}, dt::f32, tag::any); }
  memory::desc srcMd() const { return memory::desc({T, B, I}, dt::f32, tag::tnc); }
  memory::desc dstMd() const { return memory::desc({T, B, H}, dt::f32, tag::tnc); }
  memory::desc iterMd() const { return memory::desc({1, 1, B, H}, dt::f32, tag::ldnc); }

  void allocData() {
    auto &eng = cpuEngine();
    allocBig(xMem, srcMd());
    allocBig(yMem, dstMd());
    // explicit zero initial state (oneDNN 2.6.3 gets dW_iter wrong without it)
    h0 = memory(iterMd(), eng);
    c0 = memory(iterMd(), eng);
    zeroMem(h0);
    zeroMem(c0);
    // backward buffers are allocated lazily with the training primitives
    releaseBig(dyMem);
    releaseBig(dxMem);
    dh0 = memory();
    dc0 = memory();
    haveTrainingForward = false;
  }

  void dropPrims() {
    fwd = lstm_forward();
    bwd = lstm_backward();
    inf = lstm_forward();
    fwdPd = lstm_forward::primitive_desc();
    bwdPd = lstm_backward::primitive_desc();
    infPd = lstm_forward::primitive_desc();
    for (auto *m : {&ws, &dwlPrim, &dwiPrim, &dbPrim, &dwlUser, &dwiUser, &dbUser}) releaseBig(*m);
    for (auto *c : {&fwdWl, &fwdWi, &bwdWl, &bwdWi, &infWl, &infWi}) c->reset();
    builtThreads = infThreads = -1;
    haveTrainingForward = false;
  }

  // Big buffers this layer owns (see bigAlloc), keyed by the memory object using them.
  std::map<const memory *, std::unique_ptr<void, decltype(&std::free)>> owned;

  void allocBig(memory &m, const memory::desc &d) {
    void *p = bigAlloc(d.get_size(), nullptr);
    owned.erase(&m);
    owned.emplace(&m, std::unique_ptr<void, decltype(&std::free)>(p, &std::free));
    m = memory(d, cpuEngine(), p);
  }

  void releaseBig(memory &m) {
    m = memory();
    owned.erase(&m);
  }

  void keepOrAlloc(memory &m, const memory::desc &want) {
    if (!m || !(m.get_desc() == want)) allocBig(m, want);
  }

  void buildTraining(int threads) {
    auto &eng = cpuEngine();
    auto src = srcMd(), dst = dstMd(), iter = iterMd(), bias = biasUser.get_desc();
    lstm_forward::desc fd(prop_kind::forward_training, rnn_direction::unidirectional_left2right, src, iter, iter,
                          wlAny(), wiAny(), bias, dst, memory::desc(), memory::desc());
    fwdPd = lstm_forward::primitive_desc(fd, userScratchpad(), eng);
    fwd = lstm_forward(fwdPd);
    lstm_backward::desc bd(prop_kind::backward, rnn_direction::unidirectional_left2right, src, iter, iter, wlAny(),
                           wiAny(), bias, dst, memory::desc(), memory::desc(), src, iter, iter, wlAny(), wiAny(),
                           bias, dst, memory::desc(), memory::desc());
    bwdPd = lstm_backward::primitive_desc(bd, userScratchpad(), eng, fwdPd);
    bwd = lstm_backward(bwdPd);
    keepOrAlloc(ws, fwdPd.workspace_desc());
    keepOrAlloc(dyMem, dst);
    keepOrAlloc(dxMem, src);
    keepOrAlloc(dh0, iter);
    keepOrAlloc(dc0, iter);
    keepOrAlloc(dwlPrim, bwdPd.diff_weights_layer_desc());
    keepOrAlloc(dwiPrim, bwdPd.diff_weights_iter_desc());
    keepOrAlloc(dbPrim, bwdPd.diff_bias_desc());
    auto userOr = [this](memory &u, const memory &prim, const memory::desc &userMd) {
      if (prim.get_desc() == userMd) {
        releaseBig(u);
        u = prim;
      } else {
        keepOrAlloc(u, userMd);
      }
    };
    userOr(dwlUser, dwlPrim, wlUser.get_desc());
    userOr(dwiUser, dwiPrim, wiUser.get_desc());
    userOr(dbUser, dbPrim, biasUser.get_desc());
    builtThreads = threads;
    haveTrainingForward = false;
  }

  void buildInference(int threads) {
    lstm_forward::desc d(prop_kind::forward_inference, rnn_direction::unidirectional_left2right, srcMd(), iterMd(),
                         iterMd(), wlAny(), wiAny(), biasUser.get_desc(), dstMd(), memory::desc(), memory::desc());
    infPd = lstm_forward::primitive_desc(d, userScratchpad(), cpuEngine());
    inf = lstm_forward(infPd);
    infThreads = threads;
  }
};

// ---------------------------------------------------------------------------------------------
// JS glue

Napi::Float32Array asF32(const Napi::Env &env, const Napi::Value &v, size_t len, const char *what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  auto a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != len)
    throw Napi::RangeError::New(env, std::string(what) + " has length " + std::to_string(a.ElementLength()) +
                                         ", expected " + std::to_string(len));
  return a;
}

bool isNullish(const Napi::Value &v) { return v.IsUndefined() || v.IsNull(); }

// Out buffer given by the caller (checked) or a fresh one.
Napi::Float32Array outF32(const Napi::Env &env, const Napi::Value &v, size_t len, const char *what) {
  if (isNullish(v)) return Napi::Float32Array::New(env, len);
  return asF32(env, v, len, what);
}

class Layer : public Napi::ObjectWrap<Layer> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Layer",
                       {
                           InstanceMethod<&Layer::SetWeights>("setWeights"),
                           InstanceMethod<&Layer::Resize>("resize"),
                           InstanceMethod<&Layer::Forward>("forward"),
                           InstanceMethod<&Layer::ForwardAsync>("forwardAsync"),
                           InstanceMethod<&Layer::Backward>("backward"),
                           InstanceMethod<&Layer::BackwardAsync>("backwardAsync"),
                           InstanceMethod<&Layer::Step>("step"),
                           InstanceMethod<&Layer::GetTimings>("timings"),
                           InstanceMethod<&Layer::NativeMemory>("nativeMemory"),
                           InstanceMethod<&Layer::Dispose>("dispose"),
                       });
  }

  Layer(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Layer>(info) {
    auto env = info.Env();
    int64_t d[4];
    for (int i = 0; i < 4; ++i) {
      if (!info[i].IsNumber()) throw Napi::TypeError::New(env, "Layer(T, B, I, H): numbers expected");
      d[i] = info[i].As<Napi::Number>().Int64Value();
      if (d[i] < 1) throw Napi::RangeError::New(env, "Layer(T, B, I, H): all dims must be >= 1");
    }
    try {
      core = std::make_unique<LstmCore>(d[0], d[1], d[2], d[3], info[4].ToBoolean().Value());
    } catch (const dnnl::error &e) {
      throw Napi::Error::New(env, std::string("oneDNN: ") + e.what());
    }
  }

  LstmCore &c(const Napi::Env &env) {
    if (!core) throw Napi::Error::New(env, "NativeLstmLayer was disposed");
    if (busy) throw Napi::Error::New(env, "NativeLstmLayer is busy with an async call");
    return *core;
  }

  // setWeights(kernel, recurrentKernel, bias); any may be null to keep the current one
  Napi::Value SetWeights(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    auto &L = c(env);
    setWeightsFrom(env, L, info[0], info[1], info[2]);
    return env.Undefined();
  }

  Napi::Value Resize(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    auto &L = c(env);
    int64_t T = info[0].As<Napi::Number>().Int64Value(), B = info[1].As<Napi::Number>().Int64Value();
    if (T < 1 || B < 1) throw Napi::RangeError::New(env, "resize(T, B): dims must be >= 1");
    guard(env, [&] { L.resize(T, B); });
    return env.Undefined();
  }

  // forward(x, kernel|null, recurrentKernel|null, bias|null, training, out|null) -> Float32Array
  Napi::Value Forward(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    auto &L = c(env);
    bool training = prepareForward(env, L, info);
    guard(env, [&] { L.computeForward(training); });
    return copyOutY(env, L, info[5]);
  }

  Napi::Value ForwardAsync(const Napi::CallbackInfo &info);
  Napi::Value BackwardAsync(const Napi::CallbackInfo &info);

  // backward(dy, dxOut|null, dKernelOut|null, dRecurrentKernelOut|null, dBiasOut|null)
  Napi::Value Backward(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    auto &L = c(env);
    prepareBackward(env, L, info);
    guard(env, [&] { L.computeBackward(); });
    return copyOutGrads(env, L, info[1], info[2], info[3], info[4]);
  }

  // step(x[Bs,I], h[Bs,H], c[Bs,H], hOut|null, cOut|null) -> { h, c }; uses the current weights
  Napi::Value Step(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    auto &L = c(env);
    if (!L.hasWeights) throw Napi::Error::New(env, "step(): call setWeights() or forward() first");
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "step(): x must be a Float32Array");
    size_t xl = info[0].As<Napi::TypedArray>().ElementLength();
    if (xl == 0 || xl % size_t(L.I) != 0)
      throw Napi::RangeError::New(env, "step(): x length must be a positive multiple of I=" + std::to_string(L.I));
    int64_t Bs = int64_t(xl / size_t(L.I));
    size_t hl = size_t(Bs * L.H);
    auto x = asF32(env, info[0], xl, "step(): x");
    auto h = asF32(env, info[1], hl, "step(): h");
    auto cc = asF32(env, info[2], hl, "step(): c");
    StepPrim *sp = nullptr;
    guard(env, [&] { sp = &L.stepPrim(Bs); });
    std::memcpy(ptr(sp->x), x.Data(), xl * 4);
    std::memcpy(ptr(sp->h), h.Data(), hl * 4);
    std::memcpy(ptr(sp->c), cc.Data(), hl * 4);
    guard(env, [&] { L.computeStep(*sp); });
    auto ho = outF32(env, info[3], hl, "step(): hOut");
    auto co = outF32(env, info[4], hl, "step(): cOut");
    std::memcpy(ho.Data(), ptr(sp->hn), hl * 4);
    std::memcpy(co.Data(), ptr(sp->cn), hl * 4);
    auto res = Napi::Object::New(env);
    res.Set("h", ho);
    res.Set("c", co);
    return res;
  }

  Napi::Value GetTimings(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    auto &L = c(env);
    auto o = Napi::Object::New(env);
    o.Set("copyInMs", L.timings.copyInMs);
    o.Set("computeMs", L.timings.computeMs);
    o.Set("copyOutMs", L.timings.copyOutMs);
    return o;
  }

  Napi::Value NativeMemory(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    auto r = c(env).memoryReport();
    auto o = Napi::Object::New(env);
    o.Set("workspace", double(r.workspace));
    o.Set("scratchpad", double(r.scratchpad));
    o.Set("data", double(r.data));
    o.Set("gradients", double(r.gradients));
    o.Set("weights", double(r.weights));
    o.Set("total", double(r.total()));
    return o;
  }

  Napi::Value Dispose(const Napi::CallbackInfo &info) {
    auto env = info.Env();
    if (busy) throw Napi::Error::New(env, "NativeLstmLayer is busy with an async call");
    core.reset();
    return env.Undefined();
  }

  // ---- helpers shared by sync and async paths -------------------------------------------
  template <class F>
  static void guard(const Napi::Env &env, F &&f) {
    try {
      f();
    } catch (const dnnl::error &e) {
      throw Napi::Error::New(env, std::string("oneDNN: ") + e.what());
    } catch (const std::exception &e) {
      throw Napi::Error::New(env, e.what());
    }
  }

  static void setWeightsFrom(const Napi::Env &env, LstmCore &L, const Napi::Value &k, const Napi::Value &rk,
                             const Napi::Value &b) {
    const float *kp = isNullish(k) ? nullptr : asF32(env, k, L.kLen(), "kernel").Data();
    const float *rkp = isNullish(rk) ? nullptr : asF32(env, rk, L.rkLen(), "recurrentKernel").Data();
    const float *bp = isNullish(b) ? nullptr : asF32(env, b, L.bLen(), "bias").Data();
    if (kp || rkp || bp) L.setWeights(kp, rkp, bp);
  }

  static bool prepareForward(const Napi::Env &env, LstmCore &L, const Napi::CallbackInfo &info) {
    double t0 = nowMs();
    auto x = asF32(env, info[0], L.xLen(), "x");
    setWeightsFrom(env, L, info[1], info[2], info[3]);
    if (!L.hasWeights) throw Napi::Error::New(env, "forward(): no weights given");
    if (!isNullish(info[5])) asF32(env, info[5], L.yLen(), "out");
    L.seqIn(L.xMem, x.Data(), L.I);
    L.timings.copyInMs = nowMs() - t0;
    return info[4].ToBoolean().Value();
  }

  static Napi::Value copyOutY(const Napi::Env &env, LstmCore &L, const Napi::Value &out) {
    double t0 = nowMs();
    auto y = outF32(env, out, L.yLen(), "out");
    L.seqOut(L.yMem, y.Data(), L.H);
    L.timings.copyOutMs = nowMs() - t0;
    return y;
  }

  static void prepareBackward(const Napi::Env &env, LstmCore &L, const Napi::CallbackInfo &info) {
    double t0 = nowMs();
    auto dy = asF32(env, info[0], L.yLen(), "dy");
    if (!L.dyMem) throw Napi::Error::New(env, "backward() needs a preceding forward({ training: true })");
    // validate out buffers before computing
    if (!isNullish(info[1])) asF32(env, info[1], L.xLen(), "dx out");
    if (!isNullish(info[2])) asF32(env, info[2], L.kLen(), "dKernel out");
    if (!isNullish(info[3])) asF32(env, info[3], L.rkLen(), "dRecurrentKernel out");
    if (!isNullish(info[4])) asF32(env, info[4], L.bLen(), "dBias out");
    L.seqIn(L.dyMem, dy.Data(), L.H);
    L.timings.copyInMs = nowMs() - t0;
  }

  static Napi::Value copyOutGrads(const Napi::Env &env, LstmCore &L, const Napi::Value &dxO, const Napi::Value &dkO,
                                  const Napi::Value &drkO, const Napi::Value &dbO) {
    double t0 = nowMs();
    auto dx = outF32(env, dxO, L.xLen(), "dx out");
    auto dk = outF32(env, dkO, L.kLen(), "dKernel out");
    auto drk = outF32(env, drkO, L.rkLen(), "dRecurrentKernel out");
    auto db = outF32(env, dbO, L.bLen(), "dBias out");
    L.seqOut(L.dxMem, dx.Data(), L.I);
    std::memcpy(dk.Data(), ptr(L.dwlUser), L.kLen() * 4);
    std::memcpy(drk.Data(), ptr(L.dwiUser), L.rkLen() * 4);
    std::memcpy(db.Data(), ptr(L.dbUser), L.bLen() * 4);
    auto res = Napi::Object::New(env);
    res.Set("dx", dx);
    res.Set("dKernel", dk);
    res.Set("dRecurrentKernel", drk);
    res.Set("dBias", db);
    L.timings.copyOutMs = nowMs() - t0;
    return res;
  }

  std::unique_ptr<LstmCore> core;
  bool busy = false;
};

// Runs the compute part on the libuv thread pool; inputs were copied in on the JS thread.
class LayerWorker : public Napi::AsyncWorker {
 public:
  enum Kind { kForward, kBackward };
  LayerWorker(Napi::Env env, Layer *layer, Napi::Object self, Kind kind, bool training,
              std::vector<Napi::Value> outs)
      : Napi::AsyncWorker(env, "native-lstm"), layer(layer), kind(kind), training(training),
        deferred(Napi::Promise::Deferred::New(env)) {
    selfRef = Napi::Persistent(self);
    for (auto &o : outs) outRefs.emplace_back(isNullish(o) ? Napi::ObjectReference() : Napi::Persistent(o.As<Napi::Object>()));
    layer->busy = true;
  }
  Napi::Promise Promise() { return deferred.Promise(); }

  void Execute() override {
    try {
      if (kind == kForward)
        layer->core->computeForward(training);
      else
        layer->core->computeBackward();
    } catch (const dnnl::error &e) {
      SetError(std::string("oneDNN: ") + e.what());
    } catch (const std::exception &e) {
      SetError(e.what());
    }
  }

  Napi::Value outAt(size_t i) {
    if (i >= outRefs.size() || outRefs[i].IsEmpty()) return Env().Null();
    return outRefs[i].Value();
  }

  void OnOK() override {
    layer->busy = false;
    auto env = Env();
    try {
      if (kind == kForward)
        deferred.Resolve(Layer::copyOutY(env, *layer->core, outAt(0)));
      else
        deferred.Resolve(Layer::copyOutGrads(env, *layer->core, outAt(0), outAt(1), outAt(2), outAt(3)));
    } catch (const Napi::Error &e) {
      deferred.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error &e) override {
    layer->busy = false;
    deferred.Reject(e.Value());
  }

 private:
  Layer *layer;
  Kind kind;
  bool training;
  Napi::Promise::Deferred deferred;
  Napi::ObjectReference selfRef;
  std::vector<Napi::ObjectReference> outRefs;
};

Napi::Value Layer::ForwardAsync(const Napi::CallbackInfo &info) {
  auto env = info.Env();
  auto &L = c(env);
  bool training = prepareForward(env, L, info);
  auto *w = new LayerWorker(env, this, info.This().As<Napi::Object>(), LayerWorker::kForward, training, {info[5]});
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value Layer::BackwardAsync(const Napi::CallbackInfo &info) {
  auto env = info.Env();
  auto &L = c(env);
  prepareBackward(env, L, info);
  auto *w = new LayerWorker(env, this, info.This().As<Napi::Object>(), LayerWorker::kBackward, true,
                            {info[1], info[2], info[3], info[4]});
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value GetThreads(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), g_threads.load()); }

Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  auto env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "setThreads(n): number expected");
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1 || n > 1024) throw Napi::RangeError::New(env, "setThreads(n): n must be in 1..1024");
  g_threads.store(n);
  applyThreads(n);
  return env.Undefined();
}

// sgemmGflops(n, threads, repeats) -> GFLOP/s of oneDNN's own n×n·n×n sgemm (median of `repeats`
// after one warm-up) at that OpenMP thread count: the ceiling an LSTM row is compared with, in the
// same process and under the same load.
Napi::Value SgemmGflops(const Napi::CallbackInfo &info) {
  auto env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "sgemmGflops(n, threads, repeats?): numbers expected");
  const int64_t n = info[0].As<Napi::Number>().Int64Value();
  const int threads = info[1].As<Napi::Number>().Int32Value();
  const int repeats = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 5;
  if (n < 1 || n > 8192) throw Napi::RangeError::New(env, "sgemmGflops(n): n must be in 1..8192");
  if (threads < 1 || threads > 1024) throw Napi::RangeError::New(env, "sgemmGflops(threads): must be in 1..1024");
  if (repeats < 1 || repeats > 1000) throw Napi::RangeError::New(env, "sgemmGflops(repeats): must be in 1..1000");
  const size_t len = size_t(n * n);
  std::unique_ptr<float, decltype(&std::free)> a(static_cast<float *>(bigAlloc(len * 4, nullptr)), &std::free),
      b(static_cast<float *>(bigAlloc(len * 4, nullptr)), &std::free), c(static_cast<float *>(bigAlloc(len * 4, nullptr)), &std::free);
  for (size_t i = 0; i < len; ++i) {
    a.get()[i] = float((i * 7919) % 1000) / 1000.f - 0.5f;
    b.get()[i] = float((i * 104729) % 1000) / 1000.f - 0.5f;
  }
  std::vector<double> ms;
  {
    std::lock_guard<std::mutex> lock(g_execMutex);
    SignalShield shield;
    omp_set_num_threads(threads);
    for (int r = 0; r <= repeats; ++r) {
      double t0 = nowMs();
      dnnl_status_t st = dnnl_sgemm('N', 'N', n, n, n, 1.f, a.get(), n, b.get(), n, 0.f, c.get(), n);
      if (st != dnnl_success) {
        applyThreads(g_threads.load());
        throw Napi::Error::New(env, "oneDNN: dnnl_sgemm failed (status " + std::to_string(int(st)) + ")");
      }
      if (r > 0) ms.push_back(nowMs() - t0);
    }
    applyThreads(g_threads.load());
  }
  std::sort(ms.begin(), ms.end());
  double med = ms[ms.size() / 2];
  if (ms.size() % 2 == 0) med = (ms[ms.size() / 2 - 1] + med) / 2;
  return Napi::Number::New(env, 2.0 * double(n) * double(n) * double(n) / (med / 1000.0) / 1e9);
}

// Counter-based dropout hash: murmur3's 32-bit finalizer over a Weyl sequence keyed by the seed.
// Element i's draw depends only on (seed, i), so a mask is the same at any thread count and can be
// regenerated for the backward pass instead of being stored. dropout-mask.ts computes the same bits.
inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// One thread's share of a dropout, compiled for AVX-512, AVX2 and plain x86-64 (picked at load):
// vectorized, the hash costs about a cycle per element.
__attribute__((target_clones("avx512f", "avx2", "default"))) void dropoutRange(const float *xs, float *ys, int64_t begin, int64_t end, uint32_t key,
                                                                               uint32_t threshold, float scale) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    const uint32_t h = fmix32(key + uint32_t(i) * 0x9e3779b9u);
    ys[i] = h >= threshold ? xs[i] * scale : 0.f;
  }
}

// dropout(x, out, rate, seed): out[i] = x[i] * 1/(1-rate) where fmix32(key + i·φ) ≥ rate·2³², else 0;
// key = fmix32(seed). `out` may be `x`. Applied to dy with the same seed it is the gradient.
Napi::Value Dropout(const Napi::CallbackInfo &info) {
  auto env = info.Env();
  if (!info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "dropout(x, out, rate, seed): Float32Array, Float32Array, number, number expected");
  }
  auto x = info[0].As<Napi::Float32Array>();
  auto out = info[1].As<Napi::Float32Array>();
  const double rate = info[2].As<Napi::Number>().DoubleValue();
  const uint32_t seed = info[3].As<Napi::Number>().Uint32Value();
  if (!(rate >= 0 && rate < 1)) throw Napi::RangeError::New(env, "dropout(rate): must be in [0, 1)");
  if (x.ElementLength() != out.ElementLength()) throw Napi::RangeError::New(env, "dropout: x and out differ in length");
  const int64_t n = int64_t(x.ElementLength());
  const float *xs = x.Data();
  float *ys = out.Data();
  const uint32_t threshold = uint32_t(std::floor(rate * 4294967296.0));
  const float scale = float(1.0 / (1.0 - rate));
  const uint32_t key = fmix32(seed);
  std::lock_guard<std::mutex> lock(g_execMutex);
  SignalShield shield;
  parallelRanges(n, [&](int64_t b, int64_t e) { dropoutRange(xs, ys, b, e, key, threshold, scale); });
  return env.Undefined();
}

// ---- Optimizer updates -------------------------------------------------------------------------
// One pass over a weight and its slots, on the addon's threads, with tfjs' own float32 operation
// order (each product, sum, quotient and square root rounded as its wasm kernels round them; the
// file is built with -ffp-contract=off so no multiply-add is fused): the new weight and slots are
// bit-identical to tf.train.rmsprop / tf.train.adam's, at a fraction of their ~16 passes.

Napi::Float32Array f32Arg(const Napi::CallbackInfo &info, size_t i, const char *what, size_t n) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + ": Float32Array expected");
  }
  auto a = info[i].As<Napi::Float32Array>();
  if (n != size_t(-1) && a.ElementLength() != n) throw Napi::RangeError::New(info.Env(), std::string(what) + ": " + std::to_string(a.ElementLength()) + " elements, expected " + std::to_string(n));
  return a;
}

float f32Num(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + ": number expected");
  return float(info[i].As<Napi::Number>().DoubleValue());
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void rmspropRange(const float *w, const float *g, const float *ms, const float *mom, float *wOut,
                                                                               float *msOut, float *momOut, int64_t b, int64_t e, float lr, float decay,
                                                                               float oneMinusDecay, float momentum, float eps) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i];
    const float msNew = ms[i] * decay + (gi * gi) * oneMinusDecay;
    const float momNew = mom[i] * momentum + (gi * lr) / std::sqrt(msNew + eps);
    msOut[i] = msNew;
    momOut[i] = momNew;
    wOut[i] = w[i] - momNew;
  }
}

// rmspropUpdate(w, g, ms, mom, wOut, msOut, momOut, lr, decay, 1-decay, momentum, eps), constants
// as float32 values (tfjs rounds its scalars to float32).
Napi::Value RmspropUpdate(const Napi::CallbackInfo &info) {
  auto w = f32Arg(info, 0, "rmspropUpdate(w)", size_t(-1));
  const size_t n = w.ElementLength();
  auto g = f32Arg(info, 1, "rmspropUpdate(g)", n), ms = f32Arg(info, 2, "rmspropUpdate(ms)", n), mom = f32Arg(info, 3, "rmspropUpdate(mom)", n);
  auto wOut = f32Arg(info, 4, "rmspropUpdate(wOut)", n), msOut = f32Arg(info, 5, "rmspropUpdate(msOut)", n), momOut = f32Arg(info, 6, "rmspropUpdate(momOut)", n);
  const float lr = f32Num(info, 7, "rmspropUpdate(lr)"), decay = f32Num(info, 8, "rmspropUpdate(decay)"), omd = f32Num(info, 9, "rmspropUpdate(1-decay)"),
              momentum = f32Num(info, 10, "rmspropUpdate(momentum)"), eps = f32Num(info, 11, "rmspropUpdate(eps)");
  std::lock_guard<std::mutex> lock(g_execMutex);
  SignalShield shield;
  parallelRanges(int64_t(n), [&](int64_t b, int64_t e) {
    rmspropRange(w.Data(), g.Data(), ms.Data(), mom.Data(), wOut.Data(), msOut.Data(), momOut.Data(), b, e, lr, decay, omd, momentum, eps);
  });
  return info.Env().Undefined();
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void adamRange(const float *w, const float *g, const float *m, const float *v, float *wOut, float *mOut,
                                                                            float *vOut, int64_t b, int64_t e, float beta1, float oneMinusBeta1, float beta2,
                                                                            float oneMinusBeta2, float oneMinusAccBeta1, float oneMinusAccBeta2, float negLr,
                                                                            float eps) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i];
    const float mNew = m[i] * beta1 + gi * oneMinusBeta1;
    const float vNew = v[i] * beta2 + (gi * gi) * oneMinusBeta2;
    const float mHat = mNew / oneMinusAccBeta1;
    const float vHat = vNew / oneMinusAccBeta2;
    mOut[i] = mNew;
    vOut[i] = vNew;
    wOut[i] = (mHat / (std::sqrt(vHat) + eps)) * negLr + w[i];
  }
}

// adamUpdate(w, g, m, v, wOut, mOut, vOut, beta1, 1-beta1, beta2, 1-beta2, 1-accBeta1, 1-accBeta2, -lr, eps)
Napi::Value AdamUpdate(const Napi::CallbackInfo &info) {
  auto w = f32Arg(info, 0, "adamUpdate(w)", size_t(-1));
  const size_t n = w.ElementLength();
  auto g = f32Arg(info, 1, "adamUpdate(g)", n), m = f32Arg(info, 2, "adamUpdate(m)", n), v = f32Arg(info, 3, "adamUpdate(v)", n);
  auto wOut = f32Arg(info, 4, "adamUpdate(wOut)", n), mOut = f32Arg(info, 5, "adamUpdate(mOut)", n), vOut = f32Arg(info, 6, "adamUpdate(vOut)", n);
  float c[8];
  const char *names[8] = {"beta1", "1-beta1", "beta2", "1-beta2", "1-accBeta1", "1-accBeta2", "-lr", "eps"};
  for (int k = 0; k < 8; ++k) c[k] = f32Num(info, size_t(7 + k), names[k]);
  std::lock_guard<std::mutex> lock(g_execMutex);
  SignalShield shield;
  parallelRanges(int64_t(n), [&](int64_t b, int64_t e) {
    adamRange(w.Data(), g.Data(), m.Data(), v.Data(), wOut.Data(), mOut.Data(), vOut.Data(), b, e, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
  });
  return info.Env().Undefined();
}

// sgemm(a, b, c, M, N, K, transA, transB, bias?): row-major C[M,N] = op(A)·op(B) (+ bias[N] on every
// row) with oneDNN's sgemm on the addon's threads: the Dense layers and output heads of a training
// step (tfjs-wasm's matMul runs on one thread).
Napi::Value Sgemm(const Napi::CallbackInfo &info) {
  auto env = info.Env();
  for (int k = 3; k <= 5; ++k)
    if (!info[k].IsNumber()) throw Napi::TypeError::New(env, "sgemm(a, b, c, M, N, K, transA, transB, bias?): M, N, K must be numbers");
  const int64_t M = info[3].As<Napi::Number>().Int64Value(), N = info[4].As<Napi::Number>().Int64Value(), K = info[5].As<Napi::Number>().Int64Value();
  if (M < 1 || N < 1 || K < 1) throw Napi::RangeError::New(env, "sgemm: M, N and K must be positive");
  const bool ta = info[6].ToBoolean().Value(), tb = info[7].ToBoolean().Value();
  auto a = f32Arg(info, 0, "sgemm(a)", size_t(M * K));
  auto b = f32Arg(info, 1, "sgemm(b)", size_t(K * N));
  auto c = f32Arg(info, 2, "sgemm(c)", size_t(M * N));
  const bool hasBias = info.Length() > 8 && info[8].IsTypedArray();
  Napi::Float32Array bias;
  if (hasBias) bias = f32Arg(info, 8, "sgemm(bias)", size_t(N));
  std::lock_guard<std::mutex> lock(g_execMutex);
  SignalShield shield;
  float *C = c.Data();
  dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.f, a.Data(), ta ? M : K, b.Data(), tb ? K : N, 0.f, C, N);
  if (st != dnnl_success) throw Napi::Error::New(env, "oneDNN: dnnl_sgemm failed (status " + std::to_string(int(st)) + ")");
  if (hasBias) {
    const float *bv = bias.Data();
    parallelRanges(M * N, [&](int64_t b0, int64_t e0) {
      for (int64_t i = b0; i < e0; ++i) C[i] += bv[i % N];
    });
  }
  return env.Undefined();
}

Napi::Value SharedScratchpadBytes(const Napi::CallbackInfo &info) {
  std::lock_guard<std::mutex> lock(g_execMutex);
  return Napi::Number::New(info.Env(), double(g_scratch.n));
}

Napi::Value Version(const Napi::CallbackInfo &info) {
  auto env = info.Env();
  const dnnl_version_t *v = dnnl_version();
  auto o = Napi::Object::New(env);
  o.Set("major", v->major);
  o.Set("minor", v->minor);
  o.Set("patch", v->patch);
  o.Set("hash", v->hash ? v->hash : "");
  o.Set("cpuRuntime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : std::to_string(v->cpu_runtime));
  o.Set("maxThreads", omp_get_max_threads());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (g_threads.load() == 0) g_threads.store(omp_get_max_threads());
  // touch the engine now so a broken oneDNN install fails at load time, not mid-training
  try {
    (void)cpuEngine();
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(env, std::string("oneDNN CPU engine unavailable: ") + e.what());
  }
  exports.Set("Layer", Layer::Init(env));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("sgemmGflops", Napi::Function::New(env, SgemmGflops));
  exports.Set("sharedScratchpadBytes", Napi::Function::New(env, SharedScratchpadBytes));
  exports.Set("dropout", Napi::Function::New(env, Dropout));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("rmspropUpdate", Napi::Function::New(env, RmspropUpdate));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  return exports;
}

}  // namespace

NODE_API_MODULE(native_lstm, Init)
