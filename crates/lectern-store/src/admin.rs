//! What Better Auth's admin plugin (`src/plugins/admin/routes.ts`, 1.7.x) asks of the
//! database: listing users with a search, a filter and an order, and changing the fields only
//! an admin may change (role, ban). Every change evicts the user's cached sessions, and on
//! PostgreSQL the `"user"` trigger tells every other replica, so a ban or a role change is
//! seen by the next request anywhere.

use chrono::{DateTime, Utc};

use crate::tx::transaction;
use crate::users::{INSERT_USER, USER_COLUMNS, bind_user, put_password};
use crate::{CredentialAccount, Result, Store, User, UserId, execute, read};

/// A column of `"user"` a list may be searched, filtered or ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserColumn {
    Id,
    Name,
    Email,
    EmailVerified,
    Image,
    CreatedAt,
    UpdatedAt,
    IsAnonymous,
    Role,
    Banned,
    BanReason,
    BanExpires,
    SoftwareBackground,
    HardwareBackground,
}

/// How a column's values are compared, so a query-string value can be typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Boolean,
    Time,
}

impl UserColumn {
    /// The column Better Auth's field name stands for; `None` for a name it does not know
    /// (Better Auth's adapter then throws, and `list-users` answers an empty list).
    pub fn parse(field: &str) -> Option<Self> {
        use UserColumn::*;
        Some(match field {
            "id" => Id,
            "name" => Name,
            "email" => Email,
            "emailVerified" => EmailVerified,
            "image" => Image,
            "createdAt" => CreatedAt,
            "updatedAt" => UpdatedAt,
            "isAnonymous" => IsAnonymous,
            "role" => Role,
            "banned" => Banned,
            "banReason" => BanReason,
            "banExpires" => BanExpires,
            "softwareBackground" => SoftwareBackground,
            "hardwareBackground" => HardwareBackground,
            _ => return None,
        })
    }

    fn sql(self) -> &'static str {
        use UserColumn::*;
        match self {
            Id => r#""id""#,
            Name => r#""name""#,
            Email => r#""email""#,
            EmailVerified => r#""emailVerified""#,
            Image => r#""image""#,
            CreatedAt => r#""createdAt""#,
            UpdatedAt => r#""updatedAt""#,
            IsAnonymous => r#""isAnonymous""#,
            Role => r#""role""#,
            Banned => r#""banned""#,
            BanReason => r#""banReason""#,
            BanExpires => r#""banExpires""#,
            SoftwareBackground => r#""softwareBackground""#,
            HardwareBackground => r#""hardwareBackground""#,
        }
    }

    pub fn kind(self) -> ColumnType {
        use UserColumn::*;
        match self {
            EmailVerified | IsAnonymous | Banned => ColumnType::Boolean,
            CreatedAt | UpdatedAt | BanExpires => ColumnType::Time,
            _ => ColumnType::Text,
        }
    }
}

/// Better Auth's `whereOperators` (`@better-auth/core/db/adapter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
}

impl Operator {
    pub fn parse(op: &str) -> Option<Self> {
        use Operator::*;
        Some(match op {
            "eq" => Eq,
            "ne" => Ne,
            "lt" => Lt,
            "lte" => Lte,
            "gt" => Gt,
            "gte" => Gte,
            "in" => In,
            "not_in" => NotIn,
            "contains" => Contains,
            "starts_with" => StartsWith,
            "ends_with" => EndsWith,
            _ => return None,
        })
    }
}

/// A value to compare a column with, already typed for its column.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Text(String),
    Boolean(bool),
    Time(DateTime<Utc>),
    /// For `in` and `not_in`.
    List(Vec<FilterValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub column: UserColumn,
    pub operator: Operator,
    pub value: FilterValue,
}

/// `list-users`' query: its conditions are joined with AND, as Better Auth's are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserQuery {
    pub conditions: Vec<Condition>,
    /// The column and whether descending.
    pub order: Option<(UserColumn, bool)>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The fields the admin's `update-user`, `set-role`, `ban-user` and `unban-user` change;
/// `None` leaves a field as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdminPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub image: Option<Option<String>>,
    pub role: Option<Option<String>>,
    pub banned: Option<Option<bool>>,
    pub ban_reason: Option<Option<String>>,
    pub ban_expires: Option<Option<DateTime<Utc>>>,
    pub software_background: Option<Option<String>>,
    pub hardware_background: Option<Option<String>>,
}

impl AdminPatch {
    /// `unban-user`, and an expired ban lifting itself.
    pub fn unban() -> Self {
        Self {
            banned: Some(Some(false)),
            ban_reason: Some(None),
            ban_expires: Some(None),
            ..Self::default()
        }
    }
}

/// Placeholders and their values for a statement built at run time.
#[derive(Default)]
struct Binds(Vec<FilterValue>);

impl Binds {
    fn push(&mut self, value: FilterValue) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }
}

macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                FilterValue::Text(s) => query.bind(s.clone()),
                FilterValue::Boolean(b) => query.bind(*b),
                FilterValue::Time(t) => query.bind(*t),
                // Spread into their items when the SQL is written: never bound.
                FilterValue::List(_) => query,
            };
        }
        query
    }};
}

/// `LIKE` pattern characters escaped, with `\` as the escape.
fn like_escape(s: &str) -> String {
    s.replace('\\', r"\\").replace('%', r"\%").replace('_', r"\_")
}

fn condition_sql(c: &Condition, binds: &mut Binds) -> String {
    use Operator::*;
    let col = c.column.sql();
    let text = |v: &FilterValue| match v {
        FilterValue::Text(s) => s.clone(),
        FilterValue::Boolean(b) => b.to_string(),
        FilterValue::Time(t) => t.to_rfc3339(),
        FilterValue::List(_) => String::new(),
    };
    match c.operator {
        Eq | Ne | Lt | Lte | Gt | Gte => {
            let op = match c.operator {
                Eq => "=",
                Ne => "<>",
                Lt => "<",
                Lte => "<=",
                Gt => ">",
                _ => ">=",
            };
            format!("{col} {op} {}", binds.push(c.value.clone()))
        }
        In | NotIn => {
            let items = match &c.value {
                FilterValue::List(items) => items.clone(),
                single => vec![single.clone()],
            };
            if items.is_empty() {
                return if c.operator == In { "1 = 0".into() } else { "1 = 1".into() };
            }
            let list: Vec<String> = items.into_iter().map(|v| binds.push(v)).collect();
            let not = if c.operator == NotIn { "NOT " } else { "" };
            format!("{col} {not}IN ({})", list.join(", "))
        }
        Contains | StartsWith | EndsWith => {
            let v = like_escape(&text(&c.value));
            let pattern = match c.operator {
                Contains => format!("%{v}%"),
                StartsWith => format!("{v}%"),
                _ => format!("%{v}"),
            };
            format!(r"{col} LIKE {} ESCAPE '\'", binds.push(FilterValue::Text(pattern)))
        }
    }
}

impl Store {
    /// One page of users and how many match in all (`listUsers` and `countTotalUsers`).
    pub async fn list_users(&self, query: &UserQuery) -> Result<(Vec<User>, i64)> {
        let mut binds = Binds::default();
        let conditions: Vec<String> =
            query.conditions.iter().map(|c| condition_sql(c, &mut binds)).collect();
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let count_sql = format!(r#"SELECT COUNT(*) FROM "user"{filter}"#);
        let order = match query.order {
            Some((col, desc)) => {
                format!("{} {}, \"id\"", col.sql(), if desc { "DESC" } else { "ASC" })
            }
            None => r#""createdAt", "id""#.to_owned(),
        };
        // LIMIT -1 / ALL: SQLite needs a LIMIT before an OFFSET.
        let limit = query.limit.map_or(-1, |l| l.max(0));
        let offset = query.offset.unwrap_or(0).max(0);
        let page_sql = format!(
            r#"SELECT {USER_COLUMNS} FROM "user"{filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"#
        );
        let page_sql = match (&self.pool, limit) {
            (crate::Pool::Postgres(_), -1) => page_sql.replace("LIMIT -1", "LIMIT ALL"),
            _ => page_sql,
        };
        let values = &binds.0;
        let users: Vec<User> = read!(self, |p| {
            bind_values!(sqlx::query_as(&page_sql), values.iter()).fetch_all(p).await
        })?;
        let total: i64 = read!(self, |p| {
            bind_values!(sqlx::query_scalar(&count_sql), values.iter()).fetch_one(p).await
        })?;
        Ok((users, total))
    }

    /// Applies an admin's changes to a user; with `end_sessions` (a ban), every session of
    /// theirs goes in the same transaction. `None` if the user is gone.
    pub async fn admin_update_user(
        &self,
        id: &UserId,
        patch: &AdminPatch,
        now: DateTime<Utc>,
        end_sessions: bool,
    ) -> Result<Option<User>> {
        let sql = format!(
            r#"UPDATE "user" SET
                "name" = COALESCE($2, "name"),
                "email" = COALESCE($3, "email"),
                "emailVerified" = COALESCE($4, "emailVerified"),
                "image" = CASE WHEN $5 THEN $6 ELSE "image" END,
                "role" = CASE WHEN $7 THEN $8 ELSE "role" END,
                "banned" = CASE WHEN $9 THEN $10 ELSE "banned" END,
                "banReason" = CASE WHEN $11 THEN $12 ELSE "banReason" END,
                "banExpires" = CASE WHEN $13 THEN $14 ELSE "banExpires" END,
                "softwareBackground" = CASE WHEN $15 THEN $16 ELSE "softwareBackground" END,
                "hardwareBackground" = CASE WHEN $17 THEN $18 ELSE "hardwareBackground" END,
                "updatedAt" = $19
              WHERE "id" = $1 RETURNING {USER_COLUMNS}"#
        );
        let updated: Option<User> = transaction!(self, |tx| {
            let user = sqlx::query_as(&sql)
                .bind(id)
                .bind(&patch.name)
                .bind(&patch.email)
                .bind(patch.email_verified)
                .bind(patch.image.is_some())
                .bind(patch.image.clone().flatten())
                .bind(patch.role.is_some())
                .bind(patch.role.clone().flatten())
                .bind(patch.banned.is_some())
                .bind(patch.banned.flatten())
                .bind(patch.ban_reason.is_some())
                .bind(patch.ban_reason.clone().flatten())
                .bind(patch.ban_expires.is_some())
                .bind(patch.ban_expires.flatten())
                .bind(patch.software_background.is_some())
                .bind(patch.software_background.clone().flatten())
                .bind(patch.hardware_background.is_some())
                .bind(patch.hardware_background.clone().flatten())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if end_sessions {
                sqlx::query(r#"DELETE FROM "session" WHERE "userId" = $1"#)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(user)
        })?;
        self.cache.evict_user(id.as_str());
        Ok(updated)
    }

    /// The user with this (lower-cased) email.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.user_where(r#""email""#, email).await
    }

    /// An admin's `create-user`: the user and, with a password, its credential account.
    /// [`crate::StoreError::Conflict`] if the email is taken.
    pub async fn create_user(
        &self,
        user: &User,
        account: Option<&CredentialAccount>,
    ) -> Result<()> {
        match account {
            Some(account) => self.create_user_with_password(user, account, None).await,
            None => {
                execute!(self, |p| bind_user!(sqlx::query(INSERT_USER), user))?;
                Ok(())
            }
        }
    }
}

impl Store {
    /// `set-user-password`: the new hash on the user's credential account, or a new
    /// credential account when they had none (a user who only ever signed in with a provider).
    pub async fn replace_password(
        &self,
        user: &UserId,
        account_id: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        transaction!(self, |tx| {
            put_password!(tx, user, account_id, password_hash, now);
            Ok(())
        })
    }

    /// `lectern admin grant` and `LECTERN_ADMIN_EMAILS`: `role` on the user with this
    /// (lower-cased) email; `None` when no user has it.
    pub async fn set_role_by_email(
        &self,
        email: &str,
        role: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        let Some(user) = self.find_user_by_email(email).await? else {
            return Ok(None);
        };
        let patch = AdminPatch { role: Some(Some(role.to_owned())), ..AdminPatch::default() };
        self.admin_update_user(&user.id, &patch, now, false).await
    }
}
