/* SPDX-License-Identifier: ISC */
/*
 * store-vfs.h: the SQLite VFS of the store's own connection, which
 * gathers the writes of WAL frames into one pwrite per commit
 * (store-vfs.c).
 */
#ifndef STORE_VFS_H
#define STORE_VFS_H

#include <stddef.h>

#define STORE_VFS_NAME		"pagerd-walbuf"
#define STORE_VFS_BUF		(1024 * 1024)	/* bytes gathered at most */

/* Register the VFS (once; later calls do nothing): its name, or NULL. */
const char	*store_vfs_register(void);

/* Writes and flushes of -wal files through the VFS, for the tests. */
struct store_vfs_stats {
	unsigned long long	writes;		/* xWrite calls */
	unsigned long long	flushes;	/* writes to the file */
	unsigned long long	failed;		/* of which failed */
};
void		 store_vfs_stats(struct store_vfs_stats *);

#endif
