//! The fixed phrases of CAP messages in each language a message can be written in: English
//! (the default, `en-US`), Arabic and Russian, the languages of the web page.
//!
//! A message gets an `<info>` in Arabic or Russian only when a record it names (a party it
//! is addressed to, its corridor or zone) has a name in that language (docs/cap.md): the
//! phrases here are filled with those names. Each phrase is one `match` over the language
//! and the case, without a catch-all, so that a new kind of alert or group does not compile
//! until it is said in every language. Slots are `{corridor}`, `{groups}`, `{title}` and
//! `{place}`, filled by `fill`.

use truce_core::{AlertKind, Group, ViolationStatus};

/// A language of CAP messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    Ar,
    Ru,
}

impl Lang {
    /// The languages besides English, in the order their `<info>` blocks follow it.
    pub(crate) const TRANSLATED: [Lang; 2] = [Lang::Ar, Lang::Ru];

    /// CAP's `<language>` (RFC 3066).
    pub(crate) fn cap_language(self) -> &'static str {
        match self {
            Lang::En => "en-US",
            Lang::Ar => "ar",
            Lang::Ru => "ru",
        }
    }

    /// The tag of a record's `names` in this language; English is the default `name`.
    pub(crate) fn names_tag(self) -> Option<&'static str> {
        match self {
            Lang::En => None,
            Lang::Ar => Some("ar"),
            Lang::Ru => Some("ru"),
        }
    }

    /// What separates the items of a list.
    pub(crate) fn list_separator(self) -> &'static str {
        match self {
            Lang::En | Lang::Ru => ", ",
            Lang::Ar => "، ",
        }
    }
}

/// What an alert is about, CAP's `<event>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CapEvent {
    Violation,
    ViolationWithdrawn,
    CommitmentCondition,
    AgreementChange,
    CorridorChange,
    NotificationOverdue,
}

pub(crate) fn event(lang: Lang, event: CapEvent) -> &'static str {
    match (lang, event) {
        (Lang::En, CapEvent::Violation) => "Ceasefire violation",
        (Lang::En, CapEvent::ViolationWithdrawn) => "Ceasefire violation withdrawn",
        (Lang::En, CapEvent::CommitmentCondition) => "Ceasefire commitment condition",
        (Lang::En, CapEvent::AgreementChange) => "Ceasefire agreement change",
        (Lang::En, CapEvent::CorridorChange) => "Safe-passage corridor change",
        (Lang::En, CapEvent::NotificationOverdue) => "Humanitarian notification overdue",
        (Lang::Ar, CapEvent::Violation) => "انتهاك لوقف إطلاق النار",
        (Lang::Ar, CapEvent::ViolationWithdrawn) => "سحب انتهاك لوقف إطلاق النار",
        (Lang::Ar, CapEvent::CommitmentCondition) => "شرط التزام بوقف إطلاق النار",
        (Lang::Ar, CapEvent::AgreementChange) => "تغيير في اتفاق وقف إطلاق النار",
        (Lang::Ar, CapEvent::CorridorChange) => "تغيير في ممر العبور الآمن",
        (Lang::Ar, CapEvent::NotificationOverdue) => "تأخر الإقرار بإخطار إنساني",
        (Lang::Ru, CapEvent::Violation) => "Нарушение режима прекращения огня",
        (Lang::Ru, CapEvent::ViolationWithdrawn) => "Отзыв сообщения о нарушении режима прекращения огня",
        (Lang::Ru, CapEvent::CommitmentCondition) => "Условие обязательства о прекращении огня",
        (Lang::Ru, CapEvent::AgreementChange) => "Изменение соглашения о прекращении огня",
        (Lang::Ru, CapEvent::CorridorChange) => "Изменение коридора безопасного прохода",
        (Lang::Ru, CapEvent::NotificationOverdue) => "Просроченное гуманитарное уведомление",
    }
}

/// A group of people, as the lists of who may use a corridor say it: in Arabic after
/// «أمام», in Russian after «для» (the genitive).
pub(crate) fn group(lang: Lang, group: Group) -> &'static str {
    match (lang, group) {
        (Lang::En, _) => group.label(),
        (Lang::Ar, Group::Civilians) => "المدنيين",
        (Lang::Ar, Group::Fighters) => "المقاتلين",
        (Lang::Ar, Group::Wounded) => "الجرحى",
        (Lang::Ar, Group::HumanitarianConvoys) => "القوافل الإنسانية",
        (Lang::Ru, Group::Civilians) => "мирных жителей",
        (Lang::Ru, Group::Fighters) => "боевиков",
        (Lang::Ru, Group::Wounded) => "раненых",
        (Lang::Ru, Group::HumanitarianConvoys) => "гуманитарных конвоев",
    }
}

/// The headline in a translated language. English says the core's own headline (`None`),
/// which names more than a fixed phrase can (who endorsed which version).
pub(crate) fn headline(lang: Lang, kind: AlertKind, status: Option<ViolationStatus>) -> Option<&'static str> {
    let violation = |alleged: &'static str, substantiated: &'static str, dismissed: &'static str| match status {
        Some(ViolationStatus::Alleged) | None => alleged,
        Some(ViolationStatus::Substantiated) => substantiated,
        Some(ViolationStatus::Dismissed) => dismissed,
    };
    Some(match (lang, kind) {
        (Lang::En, _) => return None,
        (Lang::Ar, AlertKind::ViolationNew | AlertKind::ViolationChanged) => violation(
            "انتهاك مزعوم لوقف إطلاق النار: {place}",
            "انتهاك مثبت لوقف إطلاق النار: {place}",
            "رُفض ادعاء انتهاك وقف إطلاق النار: {place}",
        ),
        (Lang::Ar, AlertKind::ViolationWithdrawn) => "انتهاك أُبلغ عنه سابقاً لم يعد قائماً في السجل: {place}",
        (Lang::Ar, AlertKind::ConditionFailed) => {
            "التزام بوقف إطلاق النار لم يعد ملزماً: خُرق الالتزام الذي يتوقف عليه ({place})"
        }
        (Lang::Ar, AlertKind::ConditionRestored) => "التزام بوقف إطلاق النار أصبح ملزماً من جديد ({place})",
        (Lang::Ar, AlertKind::AgreementChanged) => "تغيير في اتفاق وقف إطلاق النار: {title}",
        (Lang::Ar, AlertKind::CorridorOpened) => "الممر {corridor} مفتوح أمام: {groups}",
        (Lang::Ar, AlertKind::CorridorClosed) => "الممر {corridor} مغلق",
        (Lang::Ar, AlertKind::CorridorChanged) => "الممر {corridor} مفتوح الآن أمام: {groups}",
        (Lang::Ar, AlertKind::NotificationOverdue) => "انقضت مهلة الإخطار الإنساني دون إقرار جميع الأطراف",
        (Lang::Ru, AlertKind::ViolationNew | AlertKind::ViolationChanged) => violation(
            "Предполагаемое нарушение режима прекращения огня: {place}",
            "Подтверждённое нарушение режима прекращения огня: {place}",
            "Сообщение о нарушении режима прекращения огня отклонено: {place}",
        ),
        (Lang::Ru, AlertKind::ViolationWithdrawn) => "Ранее объявленное нарушение больше не подтверждается записью: {place}",
        (Lang::Ru, AlertKind::ConditionFailed) => {
            "Обязательство о прекращении огня больше не действует: нарушено обязательство, от которого оно зависит ({place})"
        }
        (Lang::Ru, AlertKind::ConditionRestored) => "Обязательство о прекращении огня снова действует ({place})",
        (Lang::Ru, AlertKind::AgreementChanged) => "Изменение соглашения о прекращении огня: {title}",
        (Lang::Ru, AlertKind::CorridorOpened) => "Коридор {corridor} открыт для: {groups}",
        (Lang::Ru, AlertKind::CorridorClosed) => "Коридор {corridor} закрыт",
        (Lang::Ru, AlertKind::CorridorChanged) => "Коридор {corridor} теперь открыт для: {groups}",
        (Lang::Ru, AlertKind::NotificationOverdue) => {
            "Срок гуманитарного уведомления истёк без подтверждения всеми сторонами"
        }
    })
}

/// What a person should do, CAP's `<instruction>`.
pub(crate) fn instruction(lang: Lang, kind: AlertKind, status: Option<ViolationStatus>) -> &'static str {
    // A dismissed violation, like a withdrawn one, asks nothing of anyone.
    let stands = !matches!(status, Some(ViolationStatus::Dismissed));
    match (lang, kind) {
        (Lang::En, AlertKind::ViolationNew | AlertKind::ViolationChanged) if stands => {
            "The parties addressed are expected to investigate the incident, stop any action against their \
             commitment, and tell the monitors what they find."
        }
        (Lang::En, AlertKind::ViolationNew | AlertKind::ViolationChanged | AlertKind::ViolationWithdrawn) => {
            "No action is expected: the earlier alert about this incident no longer stands."
        }
        (Lang::En, AlertKind::ConditionFailed) => {
            "The parties are expected to restore the commitment that was breached; people near the places \
             concerned should check the corridors' status before moving."
        }
        (Lang::En, AlertKind::ConditionRestored) => {
            "The commitment binds again: the parties are expected to honour it."
        }
        (Lang::En, AlertKind::AgreementChanged) => "Check the agreement's current terms before acting on earlier ones.",
        (Lang::En, AlertKind::CorridorOpened) => {
            "Corridor {corridor} is open for {groups}: use it only within its windows and its width, and follow \
             the instructions of those who guard it."
        }
        (Lang::En, AlertKind::CorridorClosed) => "Do not use corridor {corridor} until an alert says it is open again.",
        (Lang::En, AlertKind::CorridorChanged) => {
            "Before setting out, check who may use corridor {corridor}: now only {groups}."
        }
        (Lang::En, AlertKind::NotificationOverdue) => {
            "The parties notified are expected to acknowledge the notification now; until every one has, treat \
             the humanitarian movement as unconfirmed."
        }
        (Lang::Ar, AlertKind::ViolationNew | AlertKind::ViolationChanged) if stands => {
            "يُنتظر من الأطراف المعنية التحقيق في الحادثة، ووقف أي عمل يخالف التزامها، وإبلاغ المراقبين بما تتوصل إليه."
        }
        (Lang::Ar, AlertKind::ViolationNew | AlertKind::ViolationChanged | AlertKind::ViolationWithdrawn) => {
            "لا يُنتظر أي إجراء: لم يعد التنبيه السابق عن هذه الحادثة قائماً."
        }
        (Lang::Ar, AlertKind::ConditionFailed) => {
            "يُنتظر من الأطراف استعادة الالتزام الذي خُرق؛ وعلى من هم قرب الأماكن المعنية التحقق من حالة الممرات قبل التنقل."
        }
        (Lang::Ar, AlertKind::ConditionRestored) => "عاد الالتزام ملزماً: يُنتظر من الأطراف احترامه.",
        (Lang::Ar, AlertKind::AgreementChanged) => "تحققوا من الشروط الحالية للاتفاق قبل التصرف بناءً على شروط سابقة.",
        (Lang::Ar, AlertKind::CorridorOpened) => {
            "الممر {corridor} مفتوح أمام: {groups}. استخدموه ضمن مواعيد فتحه وحدوده فقط، واتبعوا تعليمات القائمين عليه."
        }
        (Lang::Ar, AlertKind::CorridorClosed) => "لا تستخدموا الممر {corridor} حتى يعلن تنبيه أنه فُتح من جديد.",
        (Lang::Ar, AlertKind::CorridorChanged) => {
            "قبل الانطلاق، تحققوا ممن يحق له استخدام الممر {corridor}: هو الآن مفتوح أمام: {groups} فقط."
        }
        (Lang::Ar, AlertKind::NotificationOverdue) => {
            "يُنتظر من الأطراف التي أُخطرت الإقرار بالإخطار فوراً؛ وإلى أن تقرّ جميعها، اعتبروا التحرك الإنساني غير مؤكَّد."
        }
        (Lang::Ru, AlertKind::ViolationNew | AlertKind::ViolationChanged) if stands => {
            "Стороны, которым адресовано оповещение, должны расследовать инцидент, прекратить любые действия \
             вопреки своему обязательству и сообщить наблюдателям о результатах."
        }
        (Lang::Ru, AlertKind::ViolationNew | AlertKind::ViolationChanged | AlertKind::ViolationWithdrawn) => {
            "Никаких действий не требуется: прежнее оповещение об этом инциденте больше не в силе."
        }
        (Lang::Ru, AlertKind::ConditionFailed) => {
            "Стороны должны восстановить соблюдение нарушенного обязательства; находящимся рядом следует \
             проверить состояние коридоров, прежде чем двигаться."
        }
        (Lang::Ru, AlertKind::ConditionRestored) => "Обязательство снова действует: стороны должны его соблюдать.",
        (Lang::Ru, AlertKind::AgreementChanged) => {
            "Прежде чем действовать по прежним условиям, проверьте действующие условия соглашения."
        }
        (Lang::Ru, AlertKind::CorridorOpened) => {
            "Коридор {corridor} открыт для: {groups}. Пользуйтесь им только в часы его работы и в его границах \
             и следуйте указаниям тех, кто его охраняет."
        }
        (Lang::Ru, AlertKind::CorridorClosed) => {
            "Не пользуйтесь коридором {corridor}, пока новое оповещение не сообщит, что он снова открыт."
        }
        (Lang::Ru, AlertKind::CorridorChanged) => {
            "Прежде чем выходить, проверьте, кому открыт коридор {corridor}: теперь только для: {groups}."
        }
        (Lang::Ru, AlertKind::NotificationOverdue) => {
            "Уведомлённые стороны должны немедленно подтвердить уведомление; пока этого не сделали все, \
             считайте гуманитарное перемещение неподтверждённым."
        }
    }
}

/// The words that label the parts of a description and of an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    /// `{place}` for an incident: "incident <id>".
    Incident,
    /// Before the list of parties addressed.
    AddressedTo,
    /// A corridor in an area's description, then its code and name.
    Corridor,
    /// A zone in an area's description, then its code and name.
    Zone,
    /// After a corridor in an area's description: its half-width, then "m".
    HalfWidth,
    /// An incident's circle: "within", then metres "m of" the position.
    Within,
    OfPosition,
    /// The unit of metres.
    Metres,
}

pub(crate) fn label(lang: Lang, label: Label) -> &'static str {
    match (lang, label) {
        (Lang::En, Label::Incident) => "incident",
        (Lang::En, Label::AddressedTo) => "Addressed to",
        (Lang::En, Label::Corridor) => "Corridor",
        (Lang::En, Label::Zone) => "Zone",
        (Lang::En, Label::HalfWidth) => "with its half-width of",
        (Lang::En, Label::Within) => "Within",
        (Lang::En, Label::OfPosition) => "of",
        (Lang::En, Label::Metres) => "m",
        (Lang::Ar, Label::Incident) => "الحادثة",
        (Lang::Ar, Label::AddressedTo) => "موجّه إلى",
        (Lang::Ar, Label::Corridor) => "الممر",
        (Lang::Ar, Label::Zone) => "المنطقة",
        (Lang::Ar, Label::HalfWidth) => "بنصف عرض قدره",
        (Lang::Ar, Label::Within) => "ضمن",
        (Lang::Ar, Label::OfPosition) => "من",
        (Lang::Ar, Label::Metres) => "م",
        (Lang::Ru, Label::Incident) => "инцидент",
        (Lang::Ru, Label::AddressedTo) => "Адресовано",
        (Lang::Ru, Label::Corridor) => "Коридор",
        (Lang::Ru, Label::Zone) => "Зона",
        (Lang::Ru, Label::HalfWidth) => "с полушириной",
        (Lang::Ru, Label::Within) => "В пределах",
        (Lang::Ru, Label::OfPosition) => "от",
        (Lang::Ru, Label::Metres) => "м",
    }
}

/// What fills a phrase's slots.
#[derive(Debug, Default)]
pub(crate) struct Slots<'a> {
    pub corridor: &'a str,
    pub groups: &'a str,
    pub title: &'a str,
    pub place: &'a str,
}

/// `phrase` with its slots filled. A slot's text is a record's name or title (bounded text
/// from a command), so it is filled in one pass: a name holding `{title}` stays as it is.
pub(crate) fn fill(phrase: &str, slots: &Slots<'_>) -> String {
    let mut out = String::with_capacity(phrase.len());
    let mut rest = phrase;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let slot = [
            ("{corridor}", slots.corridor),
            ("{groups}", slots.groups),
            ("{title}", slots.title),
            ("{place}", slots.place),
        ]
        .into_iter()
        .find(|(name, _)| after.starts_with(name));
        match slot {
            Some((name, value)) => {
                out.push_str(value);
                rest = &after[name.len()..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
