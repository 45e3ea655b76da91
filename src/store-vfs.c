/* SPDX-License-Identifier: ISC */
/*
 * store-vfs.c: a SQLite VFS shim for the store's own connection that
 * writes each commit's WAL frames with one pwrite.
 *
 * SQLite writes a WAL frame as two writes, its 24-byte header and then
 * its page, at offsets 32 + i * (24 + page size) that straddle the page
 * cache's pages: on Linux (ext4), two syscalls and about three rounds
 * of the page cache's write_begin/write_end per frame.  Under a storm
 * (perf, shape b of tests/bench/storm, ~8,000 alerts/s) those pwrites
 * were 18% of the event loop's samples.  This VFS wraps SQLite's
 * default one ("unix") and, for -wal files only (xOpen with
 * SQLITE_OPEN_WAL), gathers writes that follow one another in the file
 * in a buffer of STORE_VFS_BUF bytes, and writes them with one pwrite
 * on a descriptor of its own (the unix VFS's xWrite takes at most
 * 128 kB a call; SQLite takes no lock on a -wal file that closing that
 * descriptor could drop).  Every other file, and every other method,
 * is the wrapped VFS's own.
 *
 * The buffer is written out (flushed):
 * - right after the page of a commit frame is gathered.  A frame's
 *   header, bytes 4-7, is the database's size in pages after the
 *   commit for the commit frame of a transaction, zero for any other
 *   (https://www.sqlite.org/fileformat2.html#walformat); SQLite writes
 *   it as one 24-byte write followed by the page.  So COMMIT returns
 *   with all its frames in the file, before SQLite's wal-index makes
 *   them visible to other connections (store-checkpoint.c's), and
 *   before store-sync.c's thread fdatasync()s its own descriptor of the
 *   -wal file: what is acknowledged as synced is what was written.
 *   (Under synchronous=FULL SQLite may split a frame at a sector
 *   boundary to pad the WAL; it syncs then, and xSync flushes first.)
 * - before a write that does not follow the buffer's end (a frame
 *   rewritten in place, the WAL header after a restart), or that
 *   would not fit in it (a write as big as the buffer goes straight
 *   to the file);
 * - before any other method on the file, so SQLite's reads, syncs,
 *   sizes, truncations, locks and closes see the file as if every
 *   write had gone straight to it.
 * A write that fails (a full file system: SQLITE_FULL; anything else:
 * SQLITE_IOERR_WRITE) is the error of the call that flushed (the
 * commit's last xWrite, or xSync, xRead...), the buffer's content is
 * dropped, and SQLite rolls the transaction back as it would after a
 * failed write of its own.  Methods that return no error code
 * (xSectorSize, xDeviceCharacteristics) keep the error for the next
 * call that does.
 *
 * The other writers of the -wal file stay correct: the checkpointing
 * connection (store-checkpoint.c) opens it through SQLite's default
 * VFS and reads only frames the wal-index shows, which COMMIT flushed;
 * store_sqlite_wal_extend() writes zeros past the file's end holding
 * SQLite's WAL write lock, so no transaction of the loop's connection
 * is between its frames then, and its fstat() sees every commit's.
 *
 * A write below the furthest one since the WAL header was last written
 * (a frame SQLite overwrites in place; after a commit frame, the frame
 * headers whose checksums it rewrites from the first frame the
 * transaction overwrote, walRewriteChecksums, with no page after them
 * to flush them) goes straight to the file: gathered, those headers
 * stayed in the buffer after COMMIT returned, and a process killed then
 * lost the whole transaction to recovery's checksum check
 * (test_rewritten_checksums).  After a rollback of spilled frames, the
 * next transaction's frames go straight too until they pass the end.
 *
 * Frames of a transaction rolled back after SQLite spilled them before
 * COMMIT stay in the buffer until the next write, which restarts at
 * their first offset, flushes them (they land where SQLite would have
 * written them at once, and are overwritten or past the last commit
 * frame, so no recovery counts them).
 *
 * Measured under tests/bench/storm's shape b at full rate (the commit
 * that added this file has the commands): pwrite64 calls per alert
 * answered 202 from 3.9 to 0.8, and pwrite64's share of the event
 * loop's perf samples from 12.6% to 6.1%, less 1.6 points spent on
 * the copy into the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store-vfs.h"
#include "xmalloc.h"

#define WAL_HDR		32	/* the WAL header, at offset 0 */
#define FRAME_HDR	24	/* a frame's header */

struct store_vfs_file {
	sqlite3_file		 base;	/* first: SQLite's handle */
	sqlite3_io_methods	 methods;	/* ours, the wrapped version */
	unsigned char		*buf;	/* STORE_VFS_BUF bytes, or NULL */
	sqlite3_int64		 off;	/* of buf[0] in the file */
	sqlite3_int64		 end;	/* of the furthest write since the
					   WAL header was last written */
	size_t			 len;	/* bytes gathered */
	int			 commit; /* last header was a commit frame's */
	int			 err;	/* a failed flush not yet told */
	int			 fd;	/* ours, for writing; -1: no buffer */
	sqlite3_file		*real;	/* the wrapped file, after this */
};

static sqlite3_vfs	*store_vfs_real;
static sqlite3_vfs	 store_vfs;
static pthread_once_t	 store_vfs_once = PTHREAD_ONCE_INIT;
static int		 store_vfs_ok;
static struct store_vfs_stats store_vfs_counts;

#define REAL(f)		(((struct store_vfs_file *)(f))->real)
#define COUNT(field)	__atomic_fetch_add(&store_vfs_counts.field, 1, \
			    __ATOMIC_RELAXED)

/*
 * Write out what f gathered, with pwrite on f's own descriptor (the
 * unix VFS's xWrite takes at most 128 kB a call): SQLITE_OK;
 * SQLITE_FULL if the file system is full; SQLITE_IOERR_WRITE on any
 * other failure; or an error a method without an error code kept.
 */
static int
store_vfs_flush(struct store_vfs_file *f)
{
	size_t done = 0;
	ssize_t n;
	int rc = SQLITE_OK;

	if (f->len > 0) {
		COUNT(flushes);
		while (done < f->len) {
			n = pwrite(f->fd, f->buf + done, f->len - done,
			    f->off + done);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				rc = n == -1 && errno != ENOSPC ?
				    SQLITE_IOERR_WRITE : SQLITE_FULL;
				COUNT(failed);
				break;
			}
			done += n;
		}
		f->len = 0;
	}
	if (rc == SQLITE_OK && f->err != SQLITE_OK)
		rc = f->err;
	f->err = SQLITE_OK;
	return rc;
}

/* Flush, and report an error as the method's own would be reported. */
#define FLUSH_OR_RETURN(f) do {						\
	int flush_rc_ = store_vfs_flush((struct store_vfs_file *)(f));	\
	if (flush_rc_ != SQLITE_OK)					\
		return flush_rc_;					\
} while (0)

/* Write p straight to the file, after what f gathered. */
static int
store_vfs_write_through(struct store_vfs_file *f, const void *p, int amt,
    sqlite3_int64 off)
{
	int rc;

	if ((rc = store_vfs_flush(f)) != SQLITE_OK)
		return rc;
	COUNT(flushes);
	if ((rc = f->real->pMethods->xWrite(f->real, p, amt, off)) !=
	    SQLITE_OK)
		COUNT(failed);
	return rc;
}

/* Flush for a method with no error code: the error waits for the next. */
static void
store_vfs_flush_keep(struct store_vfs_file *f)
{
	int rc;

	if ((rc = store_vfs_flush(f)) != SQLITE_OK)
		f->err = rc;
}

/* Is the 24-byte write p the header of a commit frame? */
static int
store_vfs_is_commit(const unsigned char *p)
{
	return (p[4] | p[5] | p[6] | p[7]) != 0;
}

static int
store_vfs_write(sqlite3_file *file, const void *p, int amt,
    sqlite3_int64 off)
{
	struct store_vfs_file *f = (struct store_vfs_file *)file;
	size_t n = amt;
	int rc;

	if (f->fd == -1)
		return f->real->pMethods->xWrite(f->real, p, amt, off);
	COUNT(writes);
	/* the WAL header after a restart: frames start again after it */
	if (off == 0 && amt == WAL_HDR)
		f->end = 0;
	/*
	 * Below the end of what was written since: a frame overwritten in
	 * place, or, after a commit frame, the headers whose checksums
	 * SQLite rewrites (walRewriteChecksums) with no page after them.
	 * Nothing would flush those before COMMIT returns: straight to the
	 * file, after what was gathered.
	 */
	if (off < f->end)
		return store_vfs_write_through(f, p, amt, off);
	f->end = off + amt;
	if (amt == FRAME_HDR)
		f->commit = store_vfs_is_commit(p);
	else if (off == 0 && amt == WAL_HDR)
		f->commit = 0;
	if (f->len > 0 && (off != f->off + (sqlite3_int64)f->len ||
	    f->len + n > STORE_VFS_BUF)) {
		if ((rc = store_vfs_flush(f)) != SQLITE_OK)
			return rc;
	}
	if (n >= STORE_VFS_BUF)
		return store_vfs_write_through(f, p, amt, off);
	if (f->buf == NULL)
		f->buf = xmalloc(STORE_VFS_BUF);
	if (f->len == 0)
		f->off = off;
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	/* a commit frame's page (or a piece of it): COMMIT is about done */
	if (f->commit && amt != FRAME_HDR)
		return store_vfs_flush(f);
	return SQLITE_OK;
}

static int
store_vfs_close(sqlite3_file *file)
{
	struct store_vfs_file *f = (struct store_vfs_file *)file;
	int rc, crc;

	rc = store_vfs_flush(f);
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	crc = f->real->pMethods->xClose(f->real);
	free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : crc;
}

static int
store_vfs_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xRead(REAL(f), p, amt, off);
}

static int
store_vfs_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
store_vfs_sync(sqlite3_file *f, int flags)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
store_vfs_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
store_vfs_lock(sqlite3_file *f, int lock)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int
store_vfs_unlock(sqlite3_file *f, int lock)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int
store_vfs_check_lock(sqlite3_file *f, int *out)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
store_vfs_file_control(sqlite3_file *f, int op, void *arg)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

/* No error code to return: a failed flush waits for the next call. */
static int
store_vfs_sector_size(sqlite3_file *file)
{
	struct store_vfs_file *f = (struct store_vfs_file *)file;

	store_vfs_flush_keep(f);
	return f->real->pMethods->xSectorSize(f->real);
}

static int
store_vfs_device(sqlite3_file *file)
{
	struct store_vfs_file *f = (struct store_vfs_file *)file;

	store_vfs_flush_keep(f);
	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int
store_vfs_shm_map(sqlite3_file *f, int region, int size, int extend,
    void volatile **p)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, p);
}

static int
store_vfs_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void
store_vfs_shm_barrier(sqlite3_file *file)
{
	struct store_vfs_file *f = (struct store_vfs_file *)file;

	store_vfs_flush_keep(f);
	f->real->pMethods->xShmBarrier(f->real);
}

static int
store_vfs_shm_unmap(sqlite3_file *f, int delete)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xShmUnmap(REAL(f), delete);
}

static int
store_vfs_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int
store_vfs_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	FLUSH_OR_RETURN(f);
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/*
 * Open a file: a -wal file wrapped, with our methods of the wrapped
 * file's version; any other the wrapped VFS's own, in place (our
 * szOsFile is larger than its).
 */
static int
store_vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file,
    int flags, int *out)
{
	struct store_vfs_file *f = (struct store_vfs_file *)file;
	const sqlite3_io_methods *rm;
	sqlite3_io_methods *m;
	int rc, fd;

	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return store_vfs_real->xOpen(store_vfs_real, name, file, flags,
		    out);
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	rc = store_vfs_real->xOpen(store_vfs_real, name, f->real, flags, out);
	if ((rm = f->real->pMethods) == NULL) {
		f->base.pMethods = NULL;
		return rc;
	}
	/*
	 * A descriptor of our own to write the buffer with (SQLite takes
	 * no lock on a -wal file that closing it could drop); without one
	 * (a read-only connection), writes go straight through.
	 */
	f->fd = open(name, O_WRONLY | O_CLOEXEC);
	if (f->fd >= 0 && f->fd <= 2) {
		/* never 0-2, where a stray print would land in the WAL */
		fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 3);
		close(f->fd);
		f->fd = fd;
		(void)open("/dev/null", O_RDWR | O_CLOEXEC); /* kept there */
	}
	m = &f->methods;
	m->iVersion = rm->iVersion;
	m->xClose = store_vfs_close;
	m->xRead = store_vfs_read;
	m->xWrite = store_vfs_write;
	m->xTruncate = store_vfs_truncate;
	m->xSync = store_vfs_sync;
	m->xFileSize = store_vfs_file_size;
	m->xLock = store_vfs_lock;
	m->xUnlock = store_vfs_unlock;
	m->xCheckReservedLock = store_vfs_check_lock;
	m->xFileControl = store_vfs_file_control;
	m->xSectorSize = store_vfs_sector_size;
	m->xDeviceCharacteristics = store_vfs_device;
	if (rm->iVersion >= 2) {
		m->xShmMap = store_vfs_shm_map;
		m->xShmLock = store_vfs_shm_lock;
		m->xShmBarrier = store_vfs_shm_barrier;
		m->xShmUnmap = store_vfs_shm_unmap;
	}
	if (rm->iVersion >= 3) {
		m->xFetch = store_vfs_fetch;
		m->xUnfetch = store_vfs_unfetch;
	}
	f->base.pMethods = m;
	return rc;
}

/* The rest of the VFS: the wrapped one's, given the wrapped one. */
static int
store_vfs_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	(void)vfs;
	return store_vfs_real->xDelete(store_vfs_real, name, sync);
}

static int
store_vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return store_vfs_real->xAccess(store_vfs_real, name, flags, out);
}

static int
store_vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n,
    char *out)
{
	(void)vfs;
	return store_vfs_real->xFullPathname(store_vfs_real, name, n, out);
}

static void *
store_vfs_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return store_vfs_real->xDlOpen(store_vfs_real, name);
}

static void
store_vfs_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	store_vfs_real->xDlError(store_vfs_real, n, msg);
}

static void
(*store_vfs_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return store_vfs_real->xDlSym(store_vfs_real, h, sym);
}

static void
store_vfs_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	store_vfs_real->xDlClose(store_vfs_real, h);
}

static int
store_vfs_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return store_vfs_real->xRandomness(store_vfs_real, n, out);
}

static int
store_vfs_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return store_vfs_real->xSleep(store_vfs_real, us);
}

static int
store_vfs_current_time(sqlite3_vfs *vfs, double *t)
{
	(void)vfs;
	return store_vfs_real->xCurrentTime(store_vfs_real, t);
}

static int
store_vfs_last_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	return store_vfs_real->xGetLastError(store_vfs_real, n, msg);
}

static int
store_vfs_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t)
{
	(void)vfs;
	return store_vfs_real->xCurrentTimeInt64(store_vfs_real, t);
}

static int
store_vfs_set_syscall(sqlite3_vfs *vfs, const char *name,
    sqlite3_syscall_ptr p)
{
	(void)vfs;
	return store_vfs_real->xSetSystemCall(store_vfs_real, name, p);
}

static sqlite3_syscall_ptr
store_vfs_get_syscall(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return store_vfs_real->xGetSystemCall(store_vfs_real, name);
}

static const char *
store_vfs_next_syscall(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return store_vfs_real->xNextSystemCall(store_vfs_real, name);
}

static void
store_vfs_init(void)
{
	sqlite3_vfs *r, *v = &store_vfs;

	if ((r = sqlite3_vfs_find(NULL)) == NULL)
		return;
	store_vfs_real = r;
	v->iVersion = r->iVersion < 3 ? r->iVersion : 3;
	v->szOsFile = sizeof(struct store_vfs_file) + r->szOsFile;
	v->mxPathname = r->mxPathname;
	v->zName = STORE_VFS_NAME;
	v->xOpen = store_vfs_open;
	v->xDelete = store_vfs_delete;
	v->xAccess = store_vfs_access;
	v->xFullPathname = store_vfs_full_pathname;
	v->xDlOpen = r->xDlOpen != NULL ? store_vfs_dl_open : NULL;
	v->xDlError = r->xDlError != NULL ? store_vfs_dl_error : NULL;
	v->xDlSym = r->xDlSym != NULL ? store_vfs_dl_sym : NULL;
	v->xDlClose = r->xDlClose != NULL ? store_vfs_dl_close : NULL;
	v->xRandomness = store_vfs_randomness;
	v->xSleep = store_vfs_sleep;
	v->xCurrentTime = store_vfs_current_time;
	v->xGetLastError = store_vfs_last_error;
	if (v->iVersion >= 2)
		v->xCurrentTimeInt64 = store_vfs_current_time64;
	if (v->iVersion >= 3) {
		v->xSetSystemCall = store_vfs_set_syscall;
		v->xGetSystemCall = store_vfs_get_syscall;
		v->xNextSystemCall = store_vfs_next_syscall;
	}
	store_vfs_ok = sqlite3_vfs_register(v, 0) == SQLITE_OK;
}

const char *
store_vfs_register(void)
{
	pthread_once(&store_vfs_once, store_vfs_init);
	return store_vfs_ok ? STORE_VFS_NAME : NULL;
}

void
store_vfs_stats(struct store_vfs_stats *st)
{
	st->writes = __atomic_load_n(&store_vfs_counts.writes,
	    __ATOMIC_RELAXED);
	st->flushes = __atomic_load_n(&store_vfs_counts.flushes,
	    __ATOMIC_RELAXED);
	st->failed = __atomic_load_n(&store_vfs_counts.failed,
	    __ATOMIC_RELAXED);
}
