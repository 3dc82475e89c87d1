#!/usr/bin/env python3
"""Writes a large `perf script` file shaped like a real service's profile.

Usage: gen_perf.py OUT [--mb 600] [--stacks 60000] [--seed 1]

Shape (what `perf record -e cpu-clock -F 999 -g` then `perf script -F
comm,pid,tid,cpu,time,period,event,ip,sym,dso` prints for a busy server):
two processes (a Rust HTTP service on tokio, a C++ gRPC service), a dozen
threads each (comm names with spaces and digits, as real thread names have),
deep stacks (20 to 80 frames) of demangled C++ templates and lambdas, Rust
generics and closures, a few half-mangled legacy Rust symbols with hashes,
libc and [unknown] frames, and kernel tails (syscalls, page faults, softirqs)
in [kernel.kallsyms]; offsets on most symbols; monotonically increasing
timestamps; cpu-clock periods near 1001001 ns. At least --stacks distinct
stacks are sampled, with a skewed (Zipf-like) distribution so a few are hot.
Deterministic for a seed. Pure standard library.
"""

import argparse
import zlib
import random
import sys

RUST_FRAMES = [
    "std::rt::lang_start_internal",
    "std::rt::lang_start::{{closure}}",
    "std::sys::pal::unix::thread::Thread::new::thread_start",
    "core::ops::function::FnOnce::call_once{{vtable.shim}}",
    "std::sys::backtrace::__rust_begin_short_backtrace",
    "tokio::runtime::scheduler::multi_thread::worker::run",
    "tokio::runtime::scheduler::multi_thread::worker::Context::run",
    "tokio::runtime::scheduler::multi_thread::worker::Context::run_task",
    "tokio::runtime::task::raw::poll",
    "tokio::runtime::task::harness::Harness<T,S>::poll",
    "tokio::runtime::task::core::Core<T,S>::poll",
    "<core::pin::Pin<P> as core::future::future::Future>::poll",
    "<hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T> as core::future::future::Future>::poll",
    "hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T>::poll_catch",
    "hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T>::poll_read",
    "<tower::util::map_response::MapResponseFuture<F,N> as core::future::future::Future>::poll",
    "axum::routing::Router<S>::call_with_state",
    "<axum::handler::HandlerService<H,T,S> as tower_service::Service<http::request::Request<B>>>::call::{{closure}}",
    "shopd::handlers::orders::create_order::{{closure}}",
    "shopd::handlers::orders::list_orders::{{closure}}",
    "shopd::handlers::cart::add_item::{{closure}}",
    "shopd::db::pool::Pool::get::{{closure}}",
    "shopd::db::query::execute<shopd::model::Order>",
    "sqlx_core::pool::inner::PoolInner<DB>::acquire::{{closure}}",
    "serde_json::ser::to_vec<shopd::model::OrderList>",
    "<shopd::model::Order as serde::ser::Serialize>::serialize",
    "serde_json::ser::format_escaped_str_contents",
    "<alloc::vec::Vec<T,A> as core::clone::Clone>::clone",
    "alloc::raw_vec::RawVec<T,A>::grow_one",
    "hashbrown::raw::RawTable<T,A>::reserve_rehash",
    "core::hash::BuildHasher::hash_one",
    "<std::collections::hash::map::DefaultHasher as core::hash::Hasher>::write",
    "regex_automata::meta::strategy::Core::search_slots",
    "tracing_subscriber::fmt::fmt_layer::Layer<S,N,E,W>::on_event",
    "rustls::conn::ConnectionCommon<Data>::read_tls",
    "ring::aead::gcm::gcm_ghash_clmul",
    "bytes::bytes_mut::BytesMut::reserve_inner",
    "_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$::drop::h0f1e2d3c4b5a6978",
    "shopd::cache::LruCache$LT$K$C$V$GT$::get::h1234567890abcdef",
    "_$LT$shopd..auth..Token$u20$as$u20$core..str..traits..FromStr$GT$::from_str::hfedcba0987654321",
]

CPP_FRAMES = [
    "main",
    "grpc::Server::Start(grpc::ServerCompletionQueue**, unsigned long)",
    "grpc_core::ExecCtx::Flush()",
    "grpc_core::Executor::ThreadMain(void*)",
    "grpc_core::(anonymous namespace)::ThreadInternalsPosix::ThreadInternalsPosix(char const*, void (*)(void*), void*, bool*, grpc_core::Thread::Options const&)::{lambda(void*)#1}::_FUN(void*)",
    "grpc::ThreadManager::MainWorkLoop()",
    "grpc::ThreadManager::WorkerThread::Run()",
    "grpc::Server::SyncRequestThreadManager::DoWork(void*, bool, bool)",
    "grpc::internal::RpcMethodHandler<orders::OrderService::Service, orders::Request, orders::Reply, google::protobuf::MessageLite, google::protobuf::MessageLite>::RunHandler(grpc::internal::MethodHandler::HandlerParameter const&)",
    "std::_Function_handler<grpc::Status (orders::OrderService::Service*, grpc::ServerContext*, orders::Request const*, orders::Reply*), std::_Mem_fn<grpc::Status (orders::OrderService::Service::*)(grpc::ServerContext*, orders::Request const*, orders::Reply*)> >::_M_invoke(std::_Any_data const&, orders::OrderService::Service*&&, grpc::ServerContext*&&, orders::Request const*&&, orders::Reply*&&)",
    "orders::OrderServiceImpl::PlaceOrder(grpc::ServerContext*, orders::Request const*, orders::Reply*)",
    "orders::OrderServiceImpl::ListOrders(grpc::ServerContext*, orders::ListRequest const*, orders::ListReply*)",
    "orders::Inventory::Reserve(std::vector<orders::Item, std::allocator<orders::Item> > const&)",
    "orders::Pricing::Quote(orders::Cart const&) const",
    "std::__detail::_Map_base<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >, std::pair<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const, int>, std::allocator<std::pair<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const, int> >, std::__detail::_Select1st, std::equal_to<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > >, std::hash<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > >, std::__detail::_Mod_range_hashing, std::__detail::_Default_ranged_hash, std::__detail::_Prime_rehash_policy, std::__detail::_Hashtable_traits<true, false, true>, true>::operator[](std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)",
    "std::vector<orders::Item, std::allocator<orders::Item> >::_M_realloc_insert<orders::Item const&>(__gnu_cxx::__normal_iterator<orders::Item*, std::vector<orders::Item, std::allocator<orders::Item> > >, orders::Item const&)",
    "google::protobuf::MessageLite::SerializeToString(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >*) const",
    "google::protobuf::internal::WireFormatLite::WriteString(int, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, google::protobuf::io::CodedOutputStream*)",
    "orders::Reply::_InternalSerialize(unsigned char*, google::protobuf::io::EpsCopyOutputStream*) const",
    "absl::lts_20230125::Mutex::Lock()",
    "absl::lts_20230125::synchronization_internal::Waiter::Wait(absl::lts_20230125::synchronization_internal::KernelTimeout)",
    "orders::Db::Query(std::basic_string_view<char, std::char_traits<char> >, std::function<void (orders::Row const&)> const&)",
    "std::_Function_handler<void (orders::Row const&), orders::OrderServiceImpl::ListOrders(grpc::ServerContext*, orders::ListRequest const*, orders::ListReply*)::{lambda(orders::Row const&)#1}>::_M_invoke(std::_Any_data const&, orders::Row const&)",
    "operator new(unsigned long)",
    "tcmalloc::ThreadCache::FetchFromCentralCache(unsigned int, int, void* (*)(unsigned long))",
    "[unknown]",
]

LIBC = [
    ("__libc_start_call_main", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__libc_start_main_impl", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("start_thread", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__GI___clone3", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__memmove_avx_unaligned_erms", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__memset_avx2_unaligned_erms", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("_int_malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__GI___libc_malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("_int_free", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__GI___libc_write", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__libc_recv", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("epoll_wait", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("__futex_abstimed_wait_common", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    ("pthread_mutex_lock@@GLIBC_2.2.5", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
]

KERNEL_TAILS = [
    ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_write", "ksys_write", "vfs_write", "sock_write_iter",
     "sock_sendmsg", "tcp_sendmsg", "tcp_sendmsg_locked", "tcp_push", "__tcp_push_pending_frames", "tcp_write_xmit",
     "__tcp_transmit_skb", "ip_queue_xmit", "__ip_queue_xmit", "ip_output", "ip_finish_output2", "__dev_queue_xmit"],
    ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_recvfrom", "__sys_recvfrom", "sock_recvmsg",
     "tcp_recvmsg", "tcp_recvmsg_locked", "skb_copy_datagram_iter", "__skb_datagram_iter", "_copy_to_iter",
     "copy_user_enhanced_fast_string"],
    ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_epoll_wait", "do_epoll_wait", "ep_poll",
     "schedule_hrtimeout_range", "schedule", "__schedule", "finish_task_switch.isra.0"],
    ["entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_futex", "do_futex", "futex_wait", "futex_wait_queue",
     "schedule", "__schedule", "finish_task_switch.isra.0"],
    ["asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault", "handle_mm_fault", "__handle_mm_fault",
     "do_anonymous_page", "vma_alloc_folio", "alloc_pages_mpol", "__alloc_pages", "get_page_from_freelist",
     "clear_page_erms"],
    ["asm_sysvec_apic_timer_interrupt", "sysvec_apic_timer_interrupt", "__irq_exit_rcu", "handle_softirqs",
     "net_rx_action", "__napi_poll", "virtnet_poll", "napi_gro_receive", "netif_receive_skb_list_internal",
     "ip_list_rcv", "ip_sublist_rcv", "ip_local_deliver_finish", "tcp_v4_rcv", "tcp_v4_do_rcv", "tcp_rcv_established"],
]

PROCS = [
    # (pid, comm of the main thread, thread comms, frames, binary)
    (4100, "shopd", ["tokio-runtime-w"] * 8 + ["shopd", "blocking-1", "blocking-2", "sqlx-worker-0"],
     RUST_FRAMES, "/srv/shopd/bin/shopd"),
    (5200, "orderd", ["grpcpp_sync_ser"] * 6 + ["orderd", "default-executo", "resolver-execut", "io worker",
                                                  "grpc_global_tim", "db pool-2"],
     CPP_FRAMES, "/srv/orderd/bin/orderd"),
]


def addr(rng, base):
    return "%x" % (base + rng.randrange(0, 0x4000))


def frame_line(rng, sym, dso, kernel=False):
    base = 0xFFFFFFFF81000000 if kernel else (0x55D4A0000000 if dso.startswith("/srv") else 0x7F3A10000000)
    a = addr(rng, base + (zlib.crc32(sym.encode()) & 0xFFFFFF) * 16)
    if sym == "[unknown]":
        return "\t%16s [unknown] (%s)\n" % (a, dso if rng.random() < 0.5 else "[unknown]")
    off = "+0x%x" % rng.randrange(1, 0x400) if rng.random() < 0.9 else ""
    return "\t%16s %s%s (%s)\n" % (a, sym, off, dso)


class CallTree:
    """A lazily grown call tree per process: walks share long prefixes and
    diverge mostly near the leaves, as real services' stacks do."""

    def __init__(self, rng, proc_index):
        _, _, _, frames, binary = PROCS[proc_index]
        self.rng, self.frames, self.binary = rng, frames, binary
        self.lines = []  # node -> frame line
        self.children = []  # node -> [child nodes]
        spine = [LIBC[3], LIBC[2]] + [(f, binary) for f in frames[:6]]
        self.spine = []
        for sym, dso in spine:
            self.spine.append(self.node(self.spine[-1] if self.spine else None, sym, dso))

    def node(self, parent, sym, dso, kernel=False):
        self.lines.append(frame_line(self.rng, sym, dso, kernel))
        self.children.append([])
        n = len(self.lines) - 1
        if parent is not None:
            self.children[parent].append(n)
        return n

    def walk(self):
        """Node path (root first) of one stack."""
        rng = self.rng
        depth = rng.randrange(12, 60)
        path = list(self.spine)
        for d in range(depth):
            kids = self.children[path[-1]]
            p_new = 0.004 if d < depth - 6 else 0.3
            if not kids or rng.random() < p_new:
                r = rng.random()
                sym, dso = rng.choice(LIBC[4:]) if r < 0.08 else (rng.choice(self.frames), self.binary)
                path.append(self.node(path[-1], sym, dso))
            else:
                path.append(kids[min(int(rng.expovariate(1.5)), len(kids) - 1)])
        if rng.random() < 0.45:
            tail = rng.choice(KERNEL_TAILS)
            for sym in tail[: rng.randrange(3, len(tail) + 1)]:
                kids = [k for k in self.children[path[-1]] if sym in self.lines[k]]
                path.append(kids[0] if kids else self.node(path[-1], sym, "[kernel.kallsyms]", True))
        return tuple(path)

    def text(self, path):
        return "".join(self.lines[n] for n in reversed(path))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=600)
    ap.add_argument("--stacks", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    trees = [CallTree(rng, p) for p in range(len(PROCS))]
    seen = set()
    stacks = []
    while len(stacks) < a.stacks:
        p = len(stacks) % len(PROCS)
        path = trees[p].walk()
        if (p, path) not in seen:
            seen.add((p, path))
            stacks.append((p, path))
    weights = [1.0 / (1 + i) ** 0.6 for i in range(len(stacks))]
    target = a.mb * 1_000_000
    written = 0
    t_us = 88_300_000_000
    n = 0
    with open(a.out, "w", buffering=1 << 22) as out:
        # Every stack once (so all are sampled), then skewed picks.
        order = list(range(len(stacks)))
        rng.shuffle(order)
        while written < target:
            batch = order if n == 0 else rng.choices(range(len(stacks)), weights=weights, k=20000)
            parts = []
            for i in batch:
                p, path = stacks[i]
                text = trees[p].text(path)
                pid, main_comm, comms, _, _ = PROCS[p]
                t = rng.randrange(len(comms))
                comm = comms[t]
                tid = pid if comm == main_comm else pid + 1 + t
                t_us += rng.randrange(200, 600)
                period = 1001001 if rng.random() < 0.97 else rng.randrange(990000, 1010000)
                parts.append("%s %d/%d [%03d] %d.%06d: %10d cpu-clock: \n" % (
                    comm, pid, tid, rng.randrange(0, 16), t_us // 1_000_000, t_us % 1_000_000, period))
                parts.append(text)
                parts.append("\n")
                n += 1
            chunk = "".join(parts)
            out.write(chunk)
            written += len(chunk)
    nodes = sum(len(t.lines) for t in trees)
    sys.stderr.write("%s: %d samples, %d distinct stacks (%d call-tree nodes), %.0f MB\n" % (
        a.out, n, len(stacks), nodes, written / 1e6))


if __name__ == "__main__":
    main()
