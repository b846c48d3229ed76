//! The route table: every route of the service declared once — its method, its path and the rule of who may
//! use it. The access filter (`access::endpoint`) matches requests against these declarations, so a handler
//! never writes its path or method again; `openapi.yaml` and the access-matrix test check the table.
//!
//! A path's `{…}` stands for one segment, with any literal text around it in that segment (`{id}.pdf`).
//! `{id}` is always a whole number: a segment that is not one does not match (so `/notices/stats` is not a
//! notice and `/notices/7.pdf` is the paper, not the page).

use crate::domain::account::Role;

/// Who a route admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not (residents included).
    Public,
    /// Any signed-in account; the handler limits it to the account's own objects.
    SignedIn,
    /// Bureau staff: planners and admins.
    Staff,
    /// Planners: the bureau's writes to catalog, scope, plans, contractors, work orders, notices.
    Planner,
    /// Contractor accounts, acting on what was issued to their own firm (acknowledgements, progress).
    Contractor,
    /// Admins: accounts, policy settings, the audit log.
    Admin,
}

impl Rule {
    pub fn admits(self, role: Role) -> bool {
        match self {
            Rule::Public | Rule::SignedIn => true,
            Rule::Staff => role.is_staff(),
            Rule::Planner => role == Role::Planner,
            Rule::Contractor => role == Role::Contractor,
            Rule::Admin => role == Role::Admin,
        }
    }
}

macro_rules! routes {
    ($($name:ident = ($method:literal, $path:literal, $rule:ident)),+ $(,)?) => {
        /// Every route of the service. Adding one means giving it a rule here, and the access-matrix
        /// test an expectation for every role.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Route { $($name),+ }

        impl Route {
            pub const ALL: &'static [Route] = &[$(Route::$name),+];

            /// The one place a route's permission is decided.
            pub fn rule(self) -> Rule {
                match self { $(Route::$name => Rule::$rule),+ }
            }

            pub fn method(self) -> &'static str {
                match self { $(Route::$name => $method),+ }
            }

            /// The path, with `{…}` for its parameters, as in `openapi.yaml`.
            pub fn path(self) -> &'static str {
                match self { $(Route::$name => $path),+ }
            }
        }
    };
}

routes! {
    Healthz = ("GET", "/healthz", Public),
    OpenApi = ("GET", "/openapi.yaml", Public),
    Stylesheet = ("GET", "/static/app.css", Public),
    SignInPage = ("GET", "/sign-in", Public),
    SignIn = ("POST", "/sign-in", Public),
    LinkPage = ("GET", "/sign-in/link/{token}", Public),
    RedeemLink = ("POST", "/sign-in/link/{token}", Public),
    SignOut = ("POST", "/sign-out", SignedIn),
    AccountPage = ("GET", "/account", SignedIn),
    AccountCreateToken = ("POST", "/account/tokens", SignedIn),
    AccountRevokeToken = ("POST", "/account/tokens/{id}/revoke", SignedIn),
    SetupPage = ("GET", "/setup", Admin),
    SetupSave = ("POST", "/setup", Admin),
    UsersPage = ("GET", "/admin/users", Admin),
    UsersCreate = ("POST", "/admin/users", Admin),
    UsersUpdate = ("POST", "/admin/users/{username}", Admin),
    UsersLink = ("POST", "/admin/users/{username}/link", Admin),
    UserPage = ("GET", "/admin/users/{username}", Admin),
    UserTokensPage = ("GET", "/admin/users/{username}/tokens", Admin),
    UserTokenRevoke = ("POST", "/admin/users/{username}/tokens/{id}/revoke", Admin),
    AuditPage = ("GET", "/admin/audit", Admin),
    SettingsCatalogPage = ("GET", "/settings/catalog", Staff),
    SettingsItemSave = ("POST", "/settings/catalog/{code}", Admin),
    SettingsPolicyPage = ("GET", "/settings/policy", Staff),
    SettingsPolicySave = ("POST", "/settings/policy", Admin),
    Overview = ("GET", "/", SignedIn),
    CompoundsPage = ("GET", "/compounds", Staff),
    CompoundNewPage = ("GET", "/compounds/new", Staff),
    CompoundCreatePage = ("POST", "/compounds", Planner),
    CompoundPage = ("GET", "/compounds/{code}", Staff),
    CompoundSavePage = ("POST", "/compounds/{code}", Planner),
    CompoundEditPage = ("GET", "/compounds/{code}/edit", Staff),
    CompoundScopePage = ("GET", "/compounds/{code}/scope", Staff),
    CompoundScopeSave = ("POST", "/compounds/{code}/scope", Planner),
    CompoundSurveySave = ("POST", "/compounds/{code}/survey", Planner),
    CompoundConsentSave = ("POST", "/compounds/{code}/consent", Planner),
    CompoundCategorySave = ("POST", "/compounds/{code}/category", Planner),
    CompoundFundingSave = ("POST", "/compounds/{code}/funding", Planner),
    CompoundArchivePage = ("POST", "/compounds/{code}/archive", Planner),
    CompoundPoster = ("GET", "/compounds/{code}/poster.pdf", Staff),
    CompoundLiftsPage = ("GET", "/compounds/{code}/lifts", Staff),
    CompoundLiftSave = ("POST", "/compounds/{code}/lifts", Planner),
    CompoundLiftDelete = ("POST", "/compounds/{code}/lifts/delete", Planner),
    MapPage = ("GET", "/map", Staff),
    PlansPage = ("GET", "/plans", Staff),
    PlanCreate = ("POST", "/plans", Planner),
    ComparePage = ("GET", "/plans/compare", Staff),
    PlanPage = ("GET", "/plans/{id}", Staff),
    PlanRun = ("POST", "/plans/{id}/runs", Planner),
    PlanMove = ("POST", "/plans/{id}/moves", Planner),
    PlanApprove = ("POST", "/plans/{id}/approve", Planner),
    ProjectsPage = ("GET", "/projects", Staff),
    ProjectPage = ("GET", "/projects/{code}", Staff),
    AssignPage = ("POST", "/projects/{code}", Planner),
    IssuePage = ("POST", "/projects/{code}/work-orders", Planner),
    PaymentCreatePage = ("POST", "/projects/{code}/payments", Planner),
    FinalAccountPage = ("POST", "/projects/{code}/final-account", Planner),
    FundsPage = ("GET", "/funds", Staff),
    ReceiptCreatePage = ("POST", "/funds", Planner),
    ReversalPage = ("POST", "/money/{id}/reversal", Planner),
    ProjectReversalPage = ("POST", "/projects/{code}/money/{id}/reversal", Planner),
    ReturnsPage = ("GET", "/returns", Staff),
    ReturnSubmitPage = ("POST", "/returns", Planner),
    MonthlyReturnXlsx = ("GET", "/returns.xlsx", Staff),
    DashboardPage = ("GET", "/dashboard", Staff),
    MonthlyReturnPdf = ("GET", "/returns.pdf", Staff),
    ContractorsPage = ("GET", "/contractors", Staff),
    ContractorCreatePage = ("POST", "/contractors", Planner),
    ContractorPage = ("GET", "/contractors/{code}", Staff),
    ContractorEditPage = ("POST", "/contractors/{code}", Planner),
    WorkOrdersPage = ("GET", "/work-orders", SignedIn),
    WorkOrderPage = ("GET", "/work-orders/{number}", SignedIn),
    AcknowledgePage = ("POST", "/work-orders/{number}/acknowledge", Contractor),
    ReportPage = ("POST", "/work-orders/{number}/reports", Contractor),
    PublicNotices = ("GET", "/notices", Public),
    PublicNotice = ("GET", "/notices/{id}", Public),
    PublicNoticePdf = ("GET", "/notices/{id}.pdf", Public),
    SubmitObjection = ("POST", "/notices/{id}/objections", Public),
    SubmitRating = ("POST", "/notices/{id}/ratings", Public),
    PublicProgress = ("GET", "/progress", Public),
    // A compound's page for its residents; short, because its address is a QR code on the gate's poster.
    PublicCompound = ("GET", "/c/{code}", Public),
    SubmitRequest = ("POST", "/c/{code}/requests", Public),
    RequestsPage = ("GET", "/bureau/requests", Staff),
    TriagePage = ("POST", "/bureau/requests/{id}/triage", Planner),
    NoticesAdminPage = ("GET", "/bureau/notices", Staff),
    NoticeCreatePage = ("POST", "/bureau/notices", Planner),
    NoticeAdminPage = ("GET", "/bureau/notices/{id}", Staff),
    NoticeEditPage = ("POST", "/bureau/notices/{id}", Planner),
    NoticePublishPage = ("POST", "/bureau/notices/{id}/publish", Planner),
    NoticeDeletePage = ("POST", "/bureau/notices/{id}/delete", Planner),
    ObjectionsInbox = ("GET", "/bureau/objections", Staff),
    AnswerPage = ("POST", "/bureau/objections/{id}/answer", Planner),
    SatisfactionPage = ("GET", "/bureau/satisfaction", Staff),
    CompoundsXlsx = ("GET", "/compounds.xlsx", Staff),
    ImportTemplate = ("GET", "/compounds/import/template.xlsx", Staff),
    ImportPage = ("GET", "/compounds/import", Staff),
    ImportUpload = ("POST", "/compounds/import", Planner),
    PlanXlsx = ("GET", "/plans/{id}.xlsx", Staff),
    SatisfactionXlsx = ("GET", "/bureau/satisfaction.xlsx", Staff),
    ObjectionsXlsx = ("GET", "/bureau/objections.xlsx", Staff),
    AuditXlsx = ("GET", "/admin/audit.xlsx", Admin),
    Me = ("GET", "/api/me", SignedIn),
    ListTokens = ("GET", "/api/tokens", SignedIn),
    RevokeToken = ("DELETE", "/api/tokens/{id}", SignedIn),
    ListContractors = ("GET", "/api/contractors", SignedIn),
    GetContractor = ("GET", "/api/contractors/{code}", SignedIn),
    CreateContractor = ("POST", "/api/contractors", Planner),
    UpdateContractor = ("PUT", "/api/contractors/{code}", Planner),
    ListCompounds = ("GET", "/api/compounds", Staff),
    ExportCompounds = ("GET", "/api/compounds.geojson", Staff),
    GetCompound = ("GET", "/api/compounds/{code}", Staff),
    CreateCompound = ("POST", "/api/compounds", Planner),
    UpdateCompound = ("PUT", "/api/compounds/{code}", Planner),
    ArchiveCompound = ("POST", "/api/compounds/{code}/archive", Planner),
    ListLiftUnits = ("GET", "/api/compounds/{code}/lift-units", Staff),
    SaveLiftUnit = ("PUT", "/api/compounds/{code}/lift-units", Planner),
    DeleteLiftUnit = ("DELETE", "/api/compounds/{code}/lift-units", Planner),
    Towns = ("GET", "/api/towns", Staff),
    WorkItems = ("GET", "/api/work-items", Staff),
    Policy = ("GET", "/api/policy", Staff),
    UpdatePolicy = ("PUT", "/api/policy", Admin),
    UpdateWorkItem = ("PUT", "/api/work-items/{code}", Admin),
    ListScenarios = ("GET", "/api/scenarios", Staff),
    CreateScenario = ("POST", "/api/scenarios", Planner),
    CompareScenarios = ("GET", "/api/scenarios/compare", Staff),
    GetScenario = ("GET", "/api/scenarios/{id}", Staff),
    UpdateScenario = ("PUT", "/api/scenarios/{id}", Planner),
    DeleteScenario = ("DELETE", "/api/scenarios/{id}", Planner),
    RunScenario = ("POST", "/api/scenarios/{id}/runs", Planner),
    MoveCompound = ("POST", "/api/scenarios/{id}/moves", Planner),
    ApproveBatch = ("POST", "/api/scenarios/{id}/approve", Planner),
    ListProjects = ("GET", "/api/projects", SignedIn),
    GetProject = ("GET", "/api/projects/{code}", SignedIn),
    UpdateProject = ("PUT", "/api/projects/{code}", Planner),
    IssueWorkOrder = ("POST", "/api/projects/{code}/work-orders", Planner),
    ProjectPayments = ("GET", "/api/projects/{code}/payments", Staff),
    CreatePayment = ("POST", "/api/projects/{code}/payments", Planner),
    CreateFinalAccount = ("POST", "/api/projects/{code}/final-account", Planner),
    ListFunds = ("GET", "/api/funds", Staff),
    CreateReceipt = ("POST", "/api/funds", Planner),
    MoneyLedger = ("GET", "/api/money", Staff),
    ReverseMoney = ("POST", "/api/money/{id}/reversal", Planner),
    MonthlyReturn = ("GET", "/api/returns/monthly", Staff),
    ListReturns = ("GET", "/api/returns", Staff),
    SubmitReturn = ("POST", "/api/returns", Planner),
    ReturnVersion = ("GET", "/api/returns/{month}/versions/{version}", Staff),
    Dashboard = ("GET", "/api/dashboard", Staff),
    ListWorkOrders = ("GET", "/api/work-orders", SignedIn),
    WorkOrdersZip = ("GET", "/api/work-orders.zip", SignedIn),
    GetWorkOrder = ("GET", "/api/work-orders/{number}", SignedIn),
    WorkOrderPdf = ("GET", "/api/work-orders/{number}/pdf", SignedIn),
    AcknowledgeWorkOrder = ("POST", "/api/work-orders/{number}/acknowledge", Contractor),
    ReportProgress = ("POST", "/api/work-orders/{number}/reports", Contractor),
    ListNotices = ("GET", "/api/notices", Staff),
    CreateNotice = ("POST", "/api/notices", Planner),
    NoticeStats = ("GET", "/api/notices/stats", Staff),
    GetNotice = ("GET", "/api/notices/{id}", Staff),
    UpdateNotice = ("PUT", "/api/notices/{id}", Planner),
    DeleteNotice = ("DELETE", "/api/notices/{id}", Planner),
    PublishNotice = ("POST", "/api/notices/{id}/publish", Planner),
    NoticePdf = ("GET", "/api/notices/{id}/pdf", Staff),
    ListObjections = ("GET", "/api/notices/{id}/objections", Staff),
    AnswerObjection = ("POST", "/api/objections/{id}/answer", Planner),
    SatisfactionStats = ("GET", "/api/satisfaction", Staff),
    ListRequests = ("GET", "/api/requests", Staff),
    TriageRequest = ("POST", "/api/requests/{id}/triage", Planner),
    ListUsers = ("GET", "/api/users", Admin),
    CreateUser = ("POST", "/api/users", Admin),
    UpdateUser = ("PUT", "/api/users/{username}", Admin),
    IssueLink = ("POST", "/api/users/{username}/sign-in-link", Admin),
    ListUserTokens = ("GET", "/api/users/{username}/tokens", Admin),
    RevokeUserToken = ("DELETE", "/api/users/{username}/tokens/{id}", Admin),
    Audit = ("GET", "/api/audit", Admin),
    AuditCsv = ("GET", "/api/audit.csv", Admin),
}

impl Route {
    /// API routes answer in JSON; the others are pages.
    pub fn is_api(self) -> bool {
        self.path().starts_with("/api/")
    }

    /// A page residents read (the public notices, the progress page): its errors are shown in their layout.
    pub fn is_resident(self) -> bool {
        self.rule() == Rule::Public
            && (self.path().starts_with("/notices")
                || self.path().starts_with("/c/")
                || self.path() == "/progress")
    }

    pub fn is_read(self) -> bool {
        self.method() == "GET"
    }

    /// How many `{…}` parameters the path has.
    pub fn param_count(self) -> usize {
        self.path().matches('{').count()
    }

    /// The parameters of `path` (no query) if this route's pattern matches it, each as written in the URL
    /// (not percent-decoded), without the literal text around it in its segment.
    pub fn params(self, path: &str) -> Option<Vec<&str>> {
        let mut pattern = self.path().split('/');
        let mut given = path.split('/');
        let mut params = Vec::new();
        loop {
            match (pattern.next(), given.next()) {
                (None, None) => return Some(params),
                (Some(p), Some(g)) => match segment(p, g)? {
                    Segment::Literal => {}
                    Segment::Param(value) => params.push(value),
                },
                _ => return None,
            }
        }
    }

    /// Whether this route's path pattern matches `path` (no query).
    pub fn matches(self, path: &str) -> bool {
        self.params(path).is_some()
    }

    /// The routes whose path pattern matches `path`: what `Allow` lists when the method is wrong.
    pub fn at(path: &str) -> impl Iterator<Item = Route> + '_ {
        Route::ALL.iter().copied().filter(move |r| r.matches(path))
    }
}

enum Segment<'a> {
    Literal,
    Param(&'a str),
}

/// How one segment of a path matches one of a pattern, if it does.
fn segment<'a>(pattern: &str, given: &'a str) -> Option<Segment<'a>> {
    match (pattern.find('{'), pattern.rfind('}')) {
        (Some(open), Some(close)) => {
            let (prefix, name, suffix) = (
                &pattern[..open],
                &pattern[open + 1..close],
                &pattern[close + 1..],
            );
            let value = given.strip_prefix(prefix)?.strip_suffix(suffix)?;
            let whole_number = name != "id" || value.parse::<i32>().is_ok();
            (!value.is_empty() && whole_number).then_some(Segment::Param(value))
        }
        _ => (pattern == given).then_some(Segment::Literal),
    }
}

/// Whether `target` (a path of this service, with or without a query) is a page a `role` may open.
pub fn opens(target: &str, role: Role) -> bool {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    Route::at(path).any(|r| r.method() == "GET" && !r.is_api() && r.rule().admits(role))
}
