//! The gateway's global allocator: mimalloc, tuned for a server that holds thousands of
//! idle sessions.
//!
//! With glibc's allocator a fifth of the gateway's CPU on the device path went to malloc,
//! free and their consolidation; mimalloc takes most of that back (benches/e2e.sh, 100
//! devices at 10 ms: pooled/raw 0.72 -> 0.80). Its defaults suit a short-lived program better
//! than a gateway holding thousands of idle sessions: arenas are committed up front and
//! advised into transparent huge pages, and freed pages wait a second before going back to
//! the OS (checked only when the allocator is next used). After a burst of logins (a bulk
//! job over 10,000 devices) that left 1,346 MiB resident for 10,000 idle sessions; built
//! without THP advice (`no_thp`) and with the options below, 969 MiB. The gateway forbids
//! unsafe code; setting the options is an FFI call, so it lives here, behind one safe
//! function.

pub use mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc's `mi_option_e` (mimalloc.h); the Rust
/// bindings do not name it for mimalloc v3. The test below checks each slot holds its
/// documented default.
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// `mi_option_purge_delay`, likewise.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes freed memory go back to the OS as soon as it is free, and arenas commit memory as
/// it is used, so resident memory follows the sessions actually held. Call it first thing
/// in `main`: arenas made before it keep the default.
pub fn return_freed_memory_at_once() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table, and may be
    // called at any time from any thread; 0 is a valid value of both options ("purge at
    // once", "commit on demand").
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    fn option(option: libmimalloc_sys::mi_option_t) -> std::os::raw::c_long {
        // SAFETY: reads one integer from mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_get(option) }
    }

    #[test]
    fn the_options_set_are_eager_commit_and_purge_delay() {
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            assert_eq!(option(MI_OPTION_ARENA_EAGER_COMMIT), 2, "v3 default");
        }
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(option(MI_OPTION_PURGE_DELAY), 1000, "v3 default (ms)");
        }
        return_freed_memory_at_once();
        assert_eq!(option(MI_OPTION_ARENA_EAGER_COMMIT), 0);
        assert_eq!(option(MI_OPTION_PURGE_DELAY), 0);
    }
}
