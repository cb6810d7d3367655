//! The admin plugin's user management (`src/plugins/admin/routes.ts`, 1.7.24): `list-users`,
//! `get-user`, `create-user`, `update-user`, `set-role`, `set-user-password`, `remove-user`.

use axum::Json;
use axum::extract::{RawQuery, State};
use lectern_store::{
    AdminPatch, AuditAction, AuditEvent, ColumnType, Condition, CredentialAccount, FilterValue,
    Operator, StoreError, User, UserColumn, UserId, UserQuery,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Caller, Permission, target};
use crate::audit::Audit;
use crate::body::{Body, Field, Kind, Schema};
use crate::error::{AuthError, AuthResult};
use crate::ids::generate_id;
use crate::routes::{missing_query, query_map};
use crate::state::Auth;
use crate::wire::UserJson;
use crate::{validate, wire};

pub(crate) fn user_json(user: &User) -> AuthResult<Value> {
    serde_json::to_value(UserJson::from(user)).map_err(AuthError::internal)
}

/// `{"user": …}`, the answer of most of these routes.
pub(crate) fn wrapped(user: &User) -> AuthResult<Json<Value>> {
    Ok(Json(json!({ "user": user_json(user)? })))
}

/// An admin event on `user`, by the caller.
pub(crate) fn event(
    action: AuditAction,
    caller: &Caller,
    user: &UserId,
    detail: Value,
) -> AuditEvent {
    let mut detail = detail;
    if let Value::Object(map) = &mut detail {
        map.insert("by".into(), Value::String(caller.user().id.to_string()));
    }
    AuditEvent::success(action).user(user).detail(detail)
}

fn query_enum(
    query: &std::collections::HashMap<String, String>,
    name: &str,
    allowed: &[&str],
) -> AuthResult<()> {
    match query.get(name) {
        Some(v) if !allowed.contains(&v.as_str()) => {
            let options: Vec<String> = allowed.iter().map(|o| format!("\"{o}\"")).collect();
            Err(AuthError::validation(format!(
                "[query.{name}] Invalid option: expected one of {}",
                options.join("|")
            )))
        }
        _ => Ok(()),
    }
}

/// A query-string value typed for `column`; `None` when it cannot be (Better Auth's adapter
/// would throw, and the list is answered empty).
fn typed(column: UserColumn, raw: &str) -> Option<FilterValue> {
    Some(match column.kind() {
        ColumnType::Text => FilterValue::Text(raw.to_owned()),
        ColumnType::Boolean => FilterValue::Boolean(raw.parse().ok()?),
        ColumnType::Time => FilterValue::Time(
            chrono::DateTime::parse_from_rfc3339(raw).ok()?.with_timezone(&chrono::Utc),
        ),
    })
}

/// JavaScript's `Number(v) || undefined` for `limit` and `offset`.
fn number(raw: Option<&String>) -> Option<i64> {
    let n: f64 = raw?.trim().parse().ok()?;
    (n.is_finite() && n != 0.0).then_some(n as i64)
}

/// `GET /admin/list-users?searchValue&searchField&searchOperator&filterField&filterValue&
/// filterOperator&sortBy&sortDirection&limit&offset` → `{users,total,limit?,offset?}`.
pub async fn list(
    State(auth): State<Auth>,
    RawQuery(raw): RawQuery,
    caller: Result<Caller, AuthError>,
) -> AuthResult<Json<Value>> {
    let q = query_map(raw);
    query_enum(&q, "searchField", &["email", "name"])?;
    query_enum(&q, "searchOperator", &["contains", "starts_with", "ends_with"])?;
    query_enum(&q, "sortDirection", &["asc", "desc"])?;
    let operators = [
        "eq",
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "in",
        "not_in",
        "contains",
        "starts_with",
        "ends_with",
    ];
    query_enum(&q, "filterOperator", &operators)?;
    Permission::List.check(caller)?;

    let limit = number(q.get("limit"));
    let offset = number(q.get("offset"));
    let Some(query) = user_query(&q, limit, offset) else {
        // Better Auth catches its adapter's error on an unknown field: an empty list.
        return Ok(Json(json!({ "users": [], "total": 0 })));
    };
    let (users, total) = auth.store.list_users(&query).await?;
    let users: Vec<Value> = users.iter().map(user_json).collect::<AuthResult<_>>()?;
    let mut body = Map::new();
    body.insert("users".into(), Value::Array(users));
    body.insert("total".into(), json!(total));
    if let Some(limit) = limit {
        body.insert("limit".into(), json!(limit));
    }
    if let Some(offset) = offset {
        body.insert("offset".into(), json!(offset));
    }
    Ok(Json(Value::Object(body)))
}

fn user_query(
    q: &std::collections::HashMap<String, String>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Option<UserQuery> {
    let mut conditions = Vec::new();
    if let Some(value) = q.get("searchValue").filter(|v| !v.is_empty()) {
        let column = UserColumn::parse(q.get("searchField").map_or("email", String::as_str))?;
        let operator = Operator::parse(q.get("searchOperator").map_or("contains", String::as_str))?;
        conditions.push(Condition { column, operator, value: FilterValue::Text(value.clone()) });
    }
    if let Some(raw) = q.get("filterValue") {
        let column = UserColumn::parse(q.get("filterField").map_or("email", String::as_str))?;
        let operator = Operator::parse(q.get("filterOperator").map_or("eq", String::as_str))?;
        let value = match operator {
            Operator::In | Operator::NotIn => FilterValue::List(
                raw.split(',').map(|v| typed(column, v)).collect::<Option<Vec<_>>>()?,
            ),
            Operator::Contains | Operator::StartsWith | Operator::EndsWith => {
                FilterValue::Text(raw.clone())
            }
            _ => typed(column, raw)?,
        };
        conditions.push(Condition { column, operator, value });
    }
    let order = match q.get("sortBy") {
        Some(field) => {
            let desc = q.get("sortDirection").is_some_and(|d| d == "desc");
            Some((UserColumn::parse(field)?, desc))
        }
        None => None,
    };
    Some(UserQuery { conditions, order, limit, offset })
}

/// `GET /admin/get-user?id=…` → the user itself (not wrapped), or 404 `USER_NOT_FOUND`.
pub async fn get(
    State(auth): State<Auth>,
    RawQuery(raw): RawQuery,
    caller: Result<Caller, AuthError>,
) -> AuthResult<Json<Value>> {
    let q = query_map(raw);
    let id = q.get("id").ok_or_else(|| missing_query("id"))?;
    Permission::Get.check(caller)?;
    Ok(Json(user_json(&target(&auth, id).await?)?))
}

/// A role in a body: a string, or an array of strings joined with commas.
fn role_value(value: &Value) -> AuthResult<String> {
    let invalid = || AuthError::bad_request("INVALID_ROLE_TYPE", "Invalid role type");
    let role = match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(invalid))
            .collect::<AuthResult<Vec<_>>>()?
            .join(","),
        _ => return Err(invalid()),
    };
    validate::text("role", &role, validate::MAX_NAME)?;
    Ok(role)
}

/// zod's message for a `role` that is missing, or neither a string nor an array of strings.
fn check_role_shape(field: &str, value: Option<&Value>) -> AuthResult<()> {
    let fine = match value {
        Some(Value::String(_)) => true,
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        _ => false,
    };
    if fine { Ok(()) } else { Err(AuthError::validation(format!("[body.{field}] Invalid input"))) }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetRole {
    user_id: String,
    role: Option<Value>,
}

impl Schema for SetRole {
    const FIELDS: &'static [Field] =
        &[Field::required("userId", Kind::Coerced), Field::optional("role", Kind::Any)];
}

/// `POST /admin/set-role {userId, role}` → `{user}`.
pub async fn set_role(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<SetRole>,
) -> AuthResult<Json<Value>> {
    check_role_shape("role", body.role.as_ref())?;
    let caller = Permission::ChangeRole.check(caller)?;
    let user = target(&auth, &body.user_id).await?;
    let role = role_value(body.role.as_ref().unwrap_or(&Value::Null))?;
    let patch = AdminPatch { role: Some(Some(role.clone())), ..AdminPatch::default() };
    let updated = update(&auth, &user.id, &patch, false).await?;
    audit.record(event(AuditAction::RoleChange, &caller, &user.id, json!({ "role": role })));
    wrapped(&updated)
}

pub(crate) async fn update(
    auth: &Auth,
    id: &UserId,
    patch: &AdminPatch,
    end_sessions: bool,
) -> AuthResult<User> {
    match auth.store.admin_update_user(id, patch, wire::now(), end_sessions).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(super::user_not_found()),
        Err(StoreError::Conflict) => Err(email_taken()),
        Err(err) => Err(err.into()),
    }
}

fn email_taken() -> AuthError {
    AuthError::bad_request(
        "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
        "User already exists. Use another email.",
    )
}

#[derive(Debug, Deserialize)]
pub struct CreateUser {
    email: String,
    password: Option<String>,
    name: String,
    role: Option<Value>,
    data: Option<Map<String, Value>>,
}

impl Schema for CreateUser {
    const FIELDS: &'static [Field] = &[
        Field::required("email", Kind::String),
        Field::optional("password", Kind::String),
        Field::required("name", Kind::String),
        Field::optional("role", Kind::Any),
        Field::optional("data", Kind::Any),
    ];
}

/// The fields of `data` Lectern's user has; other keys are ignored, as Better Auth's
/// adapter drops fields its schema lacks.
fn data_fields(data: &Map<String, Value>) -> AuthResult<AdminPatch> {
    let text = |name: &str, max: usize| -> AuthResult<Option<Option<String>>> {
        match data.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(validate::text(name, s, max)?.to_owned()))),
            Some(_) => Err(AuthError::validation(format!("[body.data.{name}] Invalid input"))),
        }
    };
    let boolean = |name: &str| -> AuthResult<Option<Option<bool>>> {
        match data.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::Bool(b)) => Ok(Some(Some(*b))),
            Some(_) => Err(AuthError::validation(format!("[body.data.{name}] Invalid input"))),
        }
    };
    let ban_expires = match data.get("banExpires") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|_| AuthError::validation("[body.data.banExpires] Invalid date"))?
                .with_timezone(&chrono::Utc),
        )),
        Some(_) => return Err(AuthError::validation("[body.data.banExpires] Invalid date")),
    };
    Ok(AdminPatch {
        name: text("name", validate::MAX_NAME)?.flatten(),
        email: None,
        email_verified: boolean("emailVerified")?.flatten(),
        image: text("image", validate::MAX_IMAGE)?,
        role: None,
        banned: boolean("banned")?,
        ban_reason: text("banReason", validate::MAX_BACKGROUND)?,
        ban_expires,
        software_background: text("softwareBackground", validate::MAX_BACKGROUND)?,
        hardware_background: text("hardwareBackground", validate::MAX_BACKGROUND)?,
    })
}

const BAN_FIELDS: [&str; 3] = ["banned", "banReason", "banExpires"];

/// `POST /admin/create-user {email, password?, name, role?, data?}` → `{user}`.
pub async fn create(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<CreateUser>,
) -> AuthResult<Json<Value>> {
    let caller = Permission::Create.check(caller)?;
    let mut data = body.data.unwrap_or_default();
    let data_role = data.remove("role");
    let requested = body.role.or(data_role);
    let role = match &requested {
        Some(role) => {
            caller.require(Permission::ChangeRole)?;
            role_value(role)?
        }
        None => super::initial_role(&auth, &body.email.to_lowercase()),
    };
    if BAN_FIELDS.iter().any(|k| data.contains_key(*k)) {
        caller.require(Permission::Ban)?;
    }
    let email = body.email.to_lowercase();
    let email = validate::email(&email).ok_or_else(validate::invalid_email)?;
    validate::text("name", &body.name, validate::MAX_NAME)?;
    if let Some(password) = &body.password {
        validate::password_not_too_long(password)?;
    }
    let fields = data_fields(&data)?;
    if auth.store.find_user_by_email(&email).await?.is_some() {
        return Err(email_taken());
    }
    let password_hash = match body.password.filter(|p| !p.is_empty()) {
        Some(password) => Some(auth.hash_password(auth.hashing_turn().await?, password).await?),
        None => None,
    };
    let now = wire::now();
    let user = User {
        id: UserId(generate_id()),
        name: body.name,
        email,
        email_verified: fields.email_verified.unwrap_or(false),
        image: fields.image.flatten(),
        created_at: now,
        updated_at: now,
        is_anonymous: Some(false),
        software_background: fields.software_background.flatten(),
        hardware_background: fields.hardware_background.flatten(),
        role: Some(role),
        banned: Some(fields.banned.flatten().unwrap_or(false)),
        ban_reason: fields.ban_reason.flatten(),
        ban_expires: fields.ban_expires.flatten(),
    };
    let account = password_hash.map(|password_hash| CredentialAccount {
        id: generate_id(),
        user_id: user.id.clone(),
        password_hash,
        created_at: now,
    });
    match auth.store.create_user(&user, account.as_ref()).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(email_taken()),
        Err(err) => return Err(err.into()),
    }
    let detail = json!({ "role": user.role, "password": account.is_some() });
    audit.record(event(AuditAction::AdminUserCreate, &caller, &user.id, detail));
    wrapped(&user)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    user_id: String,
    data: Map<String, Value>,
}

impl Schema for UpdateUser {
    const FIELDS: &'static [Field] =
        &[Field::required("userId", Kind::Coerced), Field::required("data", Kind::Any)];
}

/// `POST /admin/update-user {userId, data}` → the user itself (not wrapped).
pub async fn update_user(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<UpdateUser>,
) -> AuthResult<Json<Value>> {
    let caller = Permission::Update.check(caller)?;
    let data = body.data;
    if data.is_empty() {
        return Err(AuthError::bad_request("NO_DATA_TO_UPDATE", "No data to update"));
    }
    if data.contains_key("password") {
        return Err(AuthError::bad_request(
            "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER",
            "Password cannot be updated through update-user. Use the set-user-password endpoint instead",
        ));
    }
    if data.contains_key("id") {
        return Err(AuthError::bad_request(
            "USER_ID_CANNOT_BE_UPDATED",
            "User id cannot be updated",
        ));
    }
    let mut patch = data_fields(&data)?;
    if let Some(role) = data.get("role") {
        caller.require(Permission::ChangeRole)?;
        patch.role = Some(Some(role_value(role)?));
    }
    let bans = BAN_FIELDS.iter().any(|k| data.contains_key(*k));
    if bans {
        caller.require(Permission::Ban)?;
        if data.get("banned") == Some(&Value::Bool(true)) && body.user_id == caller.user().id.0 {
            return Err(AuthError::bad_request(
                "YOU_CANNOT_BAN_YOURSELF",
                "You cannot ban yourself",
            ));
        }
    }
    if data.contains_key("email") || data.contains_key("emailVerified") {
        caller.require(Permission::SetEmail)?;
        if let Some(email) = data.get("email") {
            let raw = match email {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let email = validate::email(&raw).ok_or_else(validate::invalid_email)?;
            if let Some(holder) = auth.store.find_user_by_email(&email).await? {
                if holder.id.0 != body.user_id {
                    return Err(email_taken());
                }
            }
            patch.email = Some(email);
        }
    }
    let user = target(&auth, &body.user_id).await?;
    let banning = patch.banned == Some(Some(true));
    let updated = update(&auth, &user.id, &patch, banning).await?;
    let fields: Vec<&String> = data.keys().collect();
    audit.record(event(
        AuditAction::AdminUserUpdate,
        &caller,
        &user.id,
        json!({ "fields": fields }),
    ));
    Ok(Json(user_json(&updated)?))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetPassword {
    new_password: String,
    user_id: String,
}

impl Schema for SetPassword {
    const FIELDS: &'static [Field] =
        &[Field::required("newPassword", Kind::String), Field::required("userId", Kind::Coerced)];
}

/// `POST /admin/set-user-password {userId, newPassword}` → `{"status":true}`.
pub async fn set_password(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<SetPassword>,
) -> AuthResult<Json<Value>> {
    for (field, value) in [("newPassword", &body.new_password), ("userId", &body.user_id)] {
        if value.is_empty() {
            return Err(AuthError::validation(format!("[body.{field}] {field} cannot be empty")));
        }
    }
    let caller = Permission::SetPassword.check(caller)?;
    validate::new_password(&body.new_password)?;
    let user = target(&auth, &body.user_id).await?;
    let hash = auth.hash_password(auth.hashing_turn().await?, body.new_password).await?;
    auth.store.replace_password(&user.id, &generate_id(), &hash, wire::now()).await?;
    audit.record(event(AuditAction::AdminPasswordSet, &caller, &user.id, json!({})));
    Ok(crate::routes::status_true())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdBody {
    pub(crate) user_id: String,
}

impl Schema for UserIdBody {
    const FIELDS: &'static [Field] = &[Field::required("userId", Kind::Coerced)];
}

/// `POST /admin/remove-user {userId}` → `{"success":true}`: the account and everything of
/// the reader's (sessions, accounts, profile, chats, feedback), as `delete-user` removes it.
pub async fn remove(
    State(auth): State<Auth>,
    audit: Audit,
    caller: Result<Caller, AuthError>,
    Body(body): Body<UserIdBody>,
) -> AuthResult<Json<Value>> {
    let caller = Permission::Delete.check(caller)?;
    if body.user_id == caller.user().id.0 {
        return Err(AuthError::bad_request(
            "YOU_CANNOT_REMOVE_YOURSELF",
            "You cannot remove yourself",
        ));
    }
    let user = target(&auth, &body.user_id).await?;
    auth.store.erase_user(&user.id, None, wire::now()).await?;
    tracing::info!(user.id = %user.id, by = %caller.user().id, "account removed by an admin");
    audit.record(event(AuditAction::AdminUserRemove, &caller, &user.id, json!({})));
    Ok(Json(json!({ "success": true })))
}
