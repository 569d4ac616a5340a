/*
 * tpa_keystore: the JWK set the plugin uses now, reloaded when its file
 * changes.  Knows nothing of tokens' wire format or of coturn.
 *
 * Readers copy the key they need out under a read lock; a reload parses
 * the new file with no lock held and swaps the set in under the write lock,
 * so authorizations never wait for file I/O.  A file that fails to load is
 * refused whole: the old keys stay and the reason is logged once for that
 * version of the file.
 */
#ifndef TPA_KEYSTORE_H
#define TPA_KEYSTORE_H

#include <stdint.h>

#include "tpa_config.h"
#include "tpa_keyset.h"

struct tpa_keystore;

/*
 * Where the keystore reports reloads, refused files and a key-set file
 * that group or others may read (at open and at every reload); any thread.
 */
typedef void (*tpa_keystore_log_fn)(void *ctx, enum tpa_log_level level,
				    const char *msg);

/*
 * Loads the key set at path now.  Returns a keystore owned by the caller
 * (tpa_keystore_close), or NULL with the loader's message in err (errlen
 * bytes).  check_ms: least time between two looks at the file.  log/ctx
 * receive reload messages later.  Blocks on file I/O.
 */
struct tpa_keystore *tpa_keystore_open(const char *path, uint32_t check_ms,
				       tpa_keystore_log_fn log, void *ctx,
				       char *err, size_t errlen);

/*
 * Looks at the file if check_ms have passed since the last look, and swaps
 * in its keys if it changed and loads cleanly.  Only one caller does the
 * work; the others return at once.  Thread-safe; blocks on file I/O only in
 * the caller that does the work.
 */
void tpa_keystore_refresh(struct tpa_keystore *ks);

/*
 * Copies the key named kid into *out.  Returns 0, -1 if no key has that
 * kid, or -2 if the store cannot be read now (a lock failed); *out is
 * zeroed unless 0.  The copy is a secret: wipe it after use.  Thread-safe.
 */
int tpa_keystore_get(struct tpa_keystore *ks, const char *kid,
		     struct tpa_key *out);

/* Number of keys in the current set.  Thread-safe. */
size_t tpa_keystore_count(struct tpa_keystore *ks);

/* Frees the keystore and wipes its keys.  No other call may be running. */
void tpa_keystore_close(struct tpa_keystore *ks);

#endif /* TPA_KEYSTORE_H */
