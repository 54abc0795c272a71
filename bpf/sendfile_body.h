/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Bodies of sendfile() and splice() to TCP sockets, read on the TCP send path.
 *
 * The bytes go from the page cache to the socket inside the kernel, so the syscall tracepoints
 * see only a count. Since Linux 6.5 they reach tcp_sendmsg_locked() as an ITER_BVEC iterator of
 * kernel pages (MSG_SPLICE_PAGES), and since about 6.16 the tcp:tcp_sendmsg_locked tracepoint
 * fires in its send loop, once per skb, before copying. kprobes are not available on the target
 * kernels, so:
 *   - sendfile/splice entry marks the thread (zc_calls) with its socket and stream offset;
 *   - the first tcp_sendmsg_locked firing of each sock_sendmsg() notes where the iterator
 *     starts (the bio_vec array, on splice_to_socket's stack, lives until sendmsg returns);
 *   - sock:sock_send_length fires when that sock_sendmsg() returns, with the bytes really sent:
 *     exactly those are read from the pages and written as DATA records (TT_F_BODY_SOURCE), at
 *     their stream offset. Each byte is taken once however many skbs the send loop built, and a
 *     partial send (a full socket buffer) takes only what was sent.
 * Pages are read through the kernel's direct map: page → pfn through vmemmap, pfn → address.
 */
#ifndef TINYTAP_SENDFILE_BODY_H
#define TINYTAP_SENDFILE_BODY_H

/* x86-64 memory layout, set by the loader (4- or 5-level paging); overridden below by the
 * kernel's own variables when memory randomization (KASLR) moved them. */
const volatile __u64 direct_map_base = 0xffff888000000000ULL;
const volatile __u64 vmemmap_start = 0xffffea0000000000ULL;
extern const void page_offset_base __ksym __weak;
extern const void vmemmap_base __ksym __weak;

struct zc_call {
	__u64 conn_id;
	__u64 sk;
	__u64 base;     /* stream offset of the first byte of this sendfile/splice */
	__u64 taken;    /* bytes of it sent so far */
	__u64 bvec;     /* the current sock_sendmsg()'s bio_vec array */
	__u64 iov_off;  /* offset into its first bio_vec */
	__u64 ts;
	__u32 budget;   /* bytes still to capture (max_payload per syscall) */
	__s32 fd;
	__u8 in_msg;    /* between the first tcp_sendmsg_locked firing and sock_send_length */
	__u8 _pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct zc_call);
} zc_calls SEC(".maps");

/*
 * Entries in zc_calls, or more: the TCP send path programs run for every send on the machine
 * and return at once while it is 0, without a map lookup. It never counts too few (a thread's
 * own zc_begin is counted before its sends; only a deleted entry is subtracted), only too many
 * (an entry replaced or evicted), which costs a lookup, never a body.
 */
__u64 zc_active = 0;

static __always_inline __u64 read_ksym_u64(const void *sym, __u64 fallback)
{
	__u64 v = 0;

	if (!sym || bpf_probe_read_kernel(&v, sizeof(v), sym) || !v)
		return fallback;
	return v;
}

/* page_to_virt() for the direct map. */
static __always_inline __u64 page_address(__u64 page)
{
	__u64 vmemmap = read_ksym_u64(&vmemmap_base, vmemmap_start);
	__u64 offset = read_ksym_u64(&page_offset_base, direct_map_base);
	__u64 size = bpf_core_type_size(struct page);

	if (!size || page < vmemmap)
		return 0;
	return offset + ((page - vmemmap) / size) * 4096;
}

static __always_inline bool next_bvec_segment(struct payload_walk *w)
{
	struct bio_vec bv = {};
	__u64 skip = w->first_skip;

	if (w->iov_next >= TT_MAX_IOV)
		return false;
	if (bpf_probe_read_kernel(&bv, sizeof(bv), (void *)(w->bvec + (__u64)w->iov_next * sizeof(bv))))
		return false;
	w->iov_next++;
	w->first_skip = 0;
	if (skip >= bv.bv_len)
		return true; /* nothing of this segment is ours: the next step loads the next one */
	w->src = page_address((__u64)bv.bv_page) + bv.bv_offset + skip;
	w->seg_left = bv.bv_len - skip;
	return w->src != 0;
}

/* sendfile/splice entry: the thread is about to send zero-copy bytes on this connection. */
static __always_inline void zc_begin(struct conn_state *c, struct sock *sk, int fd)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zc_call z = {};

	if (!capture_sendfile_bodies || !c || c->filter == TT_CONN_IGNORED || !c->stream)
		return;
	z.conn_id = c->conn_id;
	z.sk = (__u64)sk;
	z.base = c->tx_off;
	z.budget = max_payload;
	z.fd = fd;
	if (bpf_map_update_elem(&zc_calls, &tid, &z, BPF_ANY) == 0)
		__sync_fetch_and_add(&zc_active, 1);
}

static __always_inline void zc_end(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (bpf_map_delete_elem(&zc_calls, &tid) == 0)
		__sync_fetch_and_add(&zc_active, -1);
}

SEC("raw_tracepoint/tcp_sendmsg_locked")
int on_tcp_sendmsg_locked(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct msghdr *msg = (struct msghdr *)ctx->args[1];
	struct zc_call *z;
	__u8 type;

	if (!capture_sendfile_bodies || !zc_active)
		return 0;
	z = bpf_map_lookup_elem(&zc_calls, &tid);
	if (!z || z->in_msg || z->sk != ctx->args[0])
		return 0;
	/* the enum's order changed between kernels: resolve ITER_BVEC against this one */
	type = BPF_CORE_READ(msg, msg_iter.iter_type);
	if (type != bpf_core_enum_value(enum iter_type, ITER_BVEC))
		return 0;
	z->bvec = (__u64)BPF_CORE_READ(msg, msg_iter.bvec);
	z->iov_off = BPF_CORE_READ(msg, msg_iter.iov_offset);
	z->ts = bpf_ktime_get_ns();
	z->in_msg = 1;
	return 0;
}

SEC("raw_tracepoint/sock_send_length")
int on_sock_send_length(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	int ret = (int)ctx->args[1];
	struct payload_walk w = {};
	struct zc_call *z;
	__u64 capturable;

	if (!capture_sendfile_bodies || paused || !zc_active)
		return 0;
	z = bpf_map_lookup_elem(&zc_calls, &tid);
	if (!z || !z->in_msg || z->sk != ctx->args[0])
		return 0;
	z->in_msg = 0;
	if (ret <= 0)
		return 0;
	fill_header(&w.tmpl.h, TT_KIND_DATA, z->ts);
	w.tmpl.conn_id = z->conn_id;
	w.tmpl.ret = ret;
	w.tmpl.stream_off = z->base + z->taken;
	w.tmpl.fd = z->fd;
	w.tmpl.aux_fd = -1;
	w.tmpl.syscall = TT_SYS_TCP_SENDMSG;
	w.tmpl.dir = TT_DIR_EGRESS;
	w.tmpl.flags = TT_F_BODY_SOURCE;
	z->taken += ret;
	capturable = ret < z->budget ? ret : z->budget;
	z->budget -= capturable;
	if (capturable < (__u64)ret)
		w.tmpl.flags |= TT_F_TRUNCATED;
	if (capturable == 0)
		return 0; /* over --max-payload: the sendfile marker says how much was sent */
	w.bvec = z->bvec;
	w.first_skip = z->iov_off;
	w.kernel = 1;
	w.budget = capturable;
	walk_payload(&w);
	finish_walk(&w);
	if (w.lost)
		stat_add(TT_STAT_DROPPED_EVENTS, 1);
	return 0;
}

#endif
