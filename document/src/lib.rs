//! Jiugai's document engine: the bureau's documents as A4 PDFs, from plain data.
//!
//! Pure: no database, no network. Rendering is CPU-bound (a few milliseconds), so the web layer
//! calls it from `spawn_blocking`. The same input always gives the same bytes, so a stored order
//! re-renders identically forever and its hash can serve as an ETag.

mod check;
mod content;
mod documents;
mod error;
mod fonts;
mod layout;
pub mod linebreak;
mod map;
mod model;
pub mod money;
mod pdf;
mod qr;

pub use documents::ballot::NUMBER_PLACEHOLDER;
pub use documents::{number, quantity};
pub use error::{MissingGlyph, RenderError};
pub use model::{
    Ballot, BallotCandidate, Contact, Contractor, FundingShare, Notice, Poster, Report,
    ReportColumn, ReportTable, ScopeRow, Site, WorkOrder,
};

/// How a paper is marked besides its content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paper {
    /// A specimen (样张): made while the service has no public address, so its QR code and link lead nowhere
    /// people can reach. Every page says so in a red line at its top and a large faint mark.
    pub specimen: bool,
}

/// The line across the top of every page of a specimen.
pub const SPECIMEN_LINE: &str = "样张 · 未设置服务地址，二维码不可用";

/// 施工任务单 as a PDF: refused with [`RenderError::MissingGlyphs`] when a field holds a character
/// the font cannot print.
pub fn render_work_order(order: &WorkOrder) -> Result<Vec<u8>, RenderError> {
    documents::work_order::render(order, Paper::default())
}

/// 施工任务单 as a PDF, marked as `paper` says.
pub fn render_work_order_on(order: &WorkOrder, paper: Paper) -> Result<Vec<u8>, RenderError> {
    documents::work_order::render(order, paper)
}

/// Many work orders at once (a batch's ZIP, `jiugai render work-orders`), on every core: the
/// results in the orders' order. `done` is called after each document, from the rendering threads.
pub fn render_work_orders(
    orders: &[WorkOrder],
    done: &(dyn Fn() + Sync),
) -> Vec<Result<Vec<u8>, RenderError>> {
    render_work_orders_on(orders, Paper::default(), done)
}

/// [`render_work_orders`], every order marked as `paper` says.
pub fn render_work_orders_on(
    orders: &[WorkOrder],
    paper: Paper,
    done: &(dyn Fn() + Sync),
) -> Vec<Result<Vec<u8>, RenderError>> {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(orders.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut rendered: Vec<(usize, Result<Vec<u8>, RenderError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(order) = orders.get(i) else {
                            return mine;
                        };
                        mine.push((i, render_work_order_on(order, paper)));
                        done();
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker only panics if rendering does, which is a defect: pass it on.
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    rendered.sort_unstable_by_key(|(i, _)| *i);
    rendered.into_iter().map(|(_, r)| r).collect()
}

/// 公示 as a one-page PDF (more pages only if the table is too long for one).
pub fn render_notice(notice: &Notice) -> Result<Vec<u8>, RenderError> {
    documents::notice::render(notice, Paper::default())
}

/// 公示 as a PDF, marked as `paper` says.
pub fn render_notice_on(notice: &Notice, paper: Paper) -> Result<Vec<u8>, RenderError> {
    documents::notice::render(notice, paper)
}

/// 报表 (the monthly return) as an A4 PDF under the bureau's header, landscape when a table needs it; refused
/// with [`RenderError::MissingGlyphs`] when a field holds a character the font cannot print.
pub fn render_report(report: &Report) -> Result<Vec<u8>, RenderError> {
    documents::report::render(report)
}

/// 问需于民 海报: the one-page A4 poster posted at a compound's gate, its QR code leading to the compound's public
/// page; refused with [`RenderError::MissingGlyphs`] when a field holds a character the font cannot print.
pub fn render_poster(poster: &Poster) -> Result<Vec<u8>, RenderError> {
    documents::poster::render(poster, Paper::default())
}

/// [`render_poster`], marked as `paper` says (a specimen while the service has no public address).
pub fn render_poster_on(poster: &Poster, paper: Paper) -> Result<Vec<u8>, RenderError> {
    documents::poster::render(poster, paper)
}

/// 人大代表票决票: one ballot per serial number in [`Ballot::numbers`], in that order, all in one PDF (A4 or A3
/// portrait), each ballot on one page for up to 15 candidates on A4. Each page carries "No. 0007" and the QR code of
/// [`Ballot::qr_for`] (`{number}` replaced by the serial number zero-padded to four digits, as printed). Refused
/// with [`RenderError::Invalid`] when [`Ballot::validate`] finds a problem, and with
/// [`RenderError::MissingGlyphs`] when a field holds a character the font cannot print.
pub fn render_ballot(ballot: &Ballot) -> Result<Vec<u8>, RenderError> {
    documents::ballot::render(ballot, Paper::default())
}

/// [`render_ballot`], marked as `paper` says.
pub fn render_ballot_on(ballot: &Ballot, paper: Paper) -> Result<Vec<u8>, RenderError> {
    documents::ballot::render(ballot, paper)
}
