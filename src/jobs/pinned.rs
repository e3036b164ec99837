//! `queue_strategy: pinned`: one device's pinned jobs run one at a time, in the order they
//! were accepted, so they land on the same warm session one after another (the pool hands
//! back the most recently used session first).
//!
//! Each pinned job takes a ticket per device at submit; a worker waits for its ticket's turn
//! before running and passes the turn on however the job ends. The queue is FIFO and tickets
//! follow submit order, so the job holding the current turn has always been dequeued already:
//! waiting cannot deadlock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// One device's turn counter.
#[derive(Default)]
struct Turn {
    next_ticket: u64,
    serving: u64,
    changed: Arc<Notify>,
}

/// Tickets and turns for every device with pinned jobs.
#[derive(Default)]
pub struct Pinned {
    devices: Mutex<HashMap<String, Turn>>,
}

/// A pinned job's place in its device's line.
#[derive(Debug, Clone)]
pub struct Ticket {
    device: String,
    number: u64,
}

impl Pinned {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Turn>> {
        self.devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes the next ticket for `device` (called at submit, in submit order).
    pub fn ticket(&self, device: &str) -> Ticket {
        let mut devices = self.lock();
        let turn = devices.entry(device.to_string()).or_default();
        let number = turn.next_ticket;
        turn.next_ticket += 1;
        Ticket {
            device: device.to_string(),
            number,
        }
    }

    /// Waits until it is `ticket`'s turn.
    pub async fn wait_turn(&self, ticket: &Ticket) {
        loop {
            let changed = {
                let devices = self.lock();
                match devices.get(&ticket.device) {
                    Some(turn) if turn.serving < ticket.number => turn.changed.clone(),
                    _ => return,
                }
            };
            let notified = changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Re-check after registering, so a turn passed in between is not missed.
            {
                let devices = self.lock();
                if devices
                    .get(&ticket.device)
                    .is_none_or(|t| t.serving >= ticket.number)
                {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Passes the turn to the next ticket; forgets the device when its line is empty.
    pub fn done(&self, ticket: &Ticket) {
        let mut devices = self.lock();
        if let Some(turn) = devices.get_mut(&ticket.device) {
            turn.serving = turn.serving.max(ticket.number + 1);
            turn.changed.notify_waiters();
            if turn.serving >= turn.next_ticket {
                devices.remove(&ticket.device);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn turns_follow_ticket_order() {
        let pinned = Arc::new(Pinned::default());
        let tickets: Vec<Ticket> = (0..3).map(|_| pinned.ticket("r1:22")).collect();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Start them in reverse: each must still run in ticket order.
        for ticket in tickets.into_iter().rev() {
            let (pinned, order) = (pinned.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                pinned.wait_turn(&ticket).await;
                order
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(ticket.number);
                tokio::time::sleep(Duration::from_millis(5)).await;
                pinned.done(&ticket);
            }));
        }
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .ok();
        }
        assert_eq!(
            *order
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            vec![0, 1, 2]
        );
    }
}
