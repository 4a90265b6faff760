//! Many jobs at once, a bounded number at a time: the platform team's commands run one per tool
//! × platform (tokio `JoinSet`, as `apply::execute` does for tools).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How many artifacts are fetched at once: enough to fill a link that one CDN connection does
/// not, few enough to stay polite to upstreams.
pub(crate) const PARALLEL: usize = 6;

/// Runs every job, at most `limit` at a time; the results come in the jobs' order. A job that
/// panicked (a bug) gives `Err` with what the runtime said, never a lost result.
pub(crate) async fn run_all<T, F>(jobs: Vec<F>, limit: usize) -> Vec<Result<T, String>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let mut set = JoinSet::new();
    let mut index = HashMap::new();
    let n = jobs.len();
    for (i, job) in jobs.into_iter().enumerate() {
        let permits = permits.clone();
        let handle = set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            job.await
        });
        index.insert(handle.id(), i);
    }
    let mut out: Vec<Option<Result<T, String>>> = (0..n).map(|_| None).collect();
    while let Some(r) = set.join_next_with_id().await {
        let (id, result) = match r {
            Ok((id, v)) => (id, Ok(v)),
            Err(e) => (e.id(), Err(e.to_string())),
        };
        if let Some(&i) = index.get(&id) {
            out[i] = Some(result);
        }
    }
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Err("the job's result was lost".into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn bounded_in_order_and_panics_reported() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..12u64)
            .map(|i| {
                let (running, most) = (running.clone(), most.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Later jobs finish first: the order of results must not follow completion.
                    tokio::time::sleep(Duration::from_millis(30 - 2 * i)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    assert!(i != 5, "job 5 fails");
                    i * 10
                }
            })
            .collect();
        let out = run_all(jobs, 3).await;
        assert_eq!(most.load(Ordering::SeqCst), 3);
        for (i, r) in out.iter().enumerate() {
            match (i, r) {
                (5, Err(e)) => assert!(e.contains("panicked"), "{e}"),
                (i, Ok(v)) => assert_eq!(*v, i as u64 * 10),
                (i, r) => panic!("{i}: {r:?}"),
            }
        }
    }
}
