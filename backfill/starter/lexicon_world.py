"""Header words in ten more languages: Polish, Czech, Russian, Ukrainian, Greek, Turkish,
Hebrew, Japanese, Chinese (simplified and traditional) and Korean.

Evidence only, as in lexicon.py, which merges these tables into its own: `init` decides the
layout, the steps and the columns from the values and their order, and a header word in
one of these languages confirms a decision (or names the step a time column's order cannot
tell, such as a resolution before a closing). Words are written as the languages spell
them and folded when compared. A stem of five letters or more matches the start of a
header word ("rozwiąz" holds "rozwiązania", "rozwiązano"); an entry in Chinese, Japanese or
Korean script matches anywhere inside a word ("作成" in "作成日時"), as those scripts write
compounds without spaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Words = Mapping[str, Sequence[str]]  # language -> words

LANGUAGES = {
    "pl": "Polish",
    "cs": "Czech",
    "ru": "Russian",
    "uk": "Ukrainian",
    "el": "Greek",
    "tr": "Turkish",
    "he": "Hebrew",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
}

OPEN: Words = {
    "pl": ("utworz", "założen", "założon", "otwar", "przyjęc", "zgłoszen", "rozpoczęc"),
    "cs": ("vytvoř", "založen", "otevřen", "přijat", "zadán", "zahájen"),
    "ru": ("создан", "открыт", "зарегистрир", "регистрац", "поступлен"),
    "uk": ("створен", "відкрит", "зареєстр", "реєстрац", "надійшл"),
    "el": ("δημιουργ", "ανοιχτ", "άνοιγμ", "καταχώρ", "υποβολ"),
    "tr": ("oluştur", "açılış", "açıldı", "kayıt", "başlangıç"),
    "he": ("נוצר", "יצירה", "נפתח", "פתיחה", "התקבל"),
    "ja": ("作成", "登録", "起票", "受付", "開始", "発生"),
    "zh": ("创建", "建立", "提交", "开启", "打开", "登记", "受理", "創建", "開啟", "登記"),
    "ko": ("생성", "등록", "접수", "작성", "개설"),
}  # fmt: skip
PROGRESS: Words = {
    "pl": ("pierwsza odpowiedź", "pierwszej odpowiedzi", "odpowied", "przypisan",
           "przydziel", "reakcj"),
    "cs": ("první odpověď", "první odpovědi", "odpověd", "přiřazen", "přidělen"),
    "ru": ("первый ответ", "первого ответа", "ответа", "назначен", "в работу"),
    "uk": ("перша відповідь", "першої відповіді", "відповід", "призначен"),
    "el": ("πρώτη απάντηση", "απάντ", "ανάθεσ", "ανατέθ"),
    "tr": ("ilk yanıt", "ilk cevap", "yanıt", "cevap", "atanma", "atandı"),
    "he": ("תגובה ראשונה", "מענה ראשון", "מענה", "הוקצה", "הקצאה", "שיוך"),
    "ja": ("初回回答", "初回応答", "初回返信", "回答", "応答", "返信", "割り当て", "割当",
           "アサイン"),
    "zh": ("首次回复", "首次响应", "回复", "响应", "分配", "指派", "回覆", "回應"),
    "ko": ("첫 응답", "최초 응답", "응답", "답변", "할당", "배정"),
}  # fmt: skip
CLOSED: Words = {
    "pl": ("rozwiąz", "zamknię", "zakończ", "załatw"),
    "cs": ("vyřeš", "uzavř", "zavřen", "dokonč", "vyřízen"),
    "ru": ("закрыт", "решен", "выполнен", "завершен"),
    "uk": ("закрит", "вирішен", "виконан", "завершен"),
    "el": ("επίλυσ", "επιλύθ", "κλεισ", "έκλεισ", "ολοκλήρ"),
    "tr": ("çözül", "çözüm", "kapan", "kapatıl", "tamamlan"),
    "he": ("נסגר", "סגירה", "נפתר", "פתרון", "הושלם", "טופל"),
    "ja": ("解決", "完了", "終了", "クローズ", "完結"),
    "zh": ("解决", "关闭", "完成", "结束", "结案", "解決", "關閉", "結束", "結案"),
    "ko": ("해결", "종료", "완료", "닫힘", "종결"),
}  # fmt: skip
DEADLINE: Words = {
    "pl": ("termin", "sla", "docelow", "następn", "planowan", "wymagan"),
    "cs": ("termín", "lhůta", "lhůty", "splatnost", "sla", "cílov", "další"),
    "ru": ("срок", "крайний", "дедлайн", "sla", "планов", "следующ", "целев"),
    "uk": ("термін", "строк", "дедлайн", "sla", "планов", "наступн"),
    "el": ("προθεσμ", "λήξη", "λήξης", "sla", "επόμεν"),
    "tr": ("son tarih", "vade", "sla", "hedef", "termin"),
    "he": ("יעד", "מועד אחרון", "sla"),
    "ja": ("期限", "期日", "締切", "締め切り", "予定", "目標"),
    "zh": ("截止", "到期", "期限", "预计", "預計", "目标", "目標"),
    "ko": ("기한", "마감", "만기", "예정", "목표"),
}  # fmt: skip
NOT_STEP: Words = {
    "pl": ("aktualiz", "zaktualiz", "modyfik", "zmodyfik", "ostatni", "zmiana", "zmiany",
           "zmieniono"),
    "cs": ("aktualiz", "změna", "změny", "změněno", "poslední", "upraven"),
    "ru": ("обновлен", "изменен", "последн", "модифиц", "редактир"),
    "uk": ("оновлен", "змінен", "останн", "редагов"),
    "el": ("ενημέρ", "τροποπ", "τελευτ", "αλλαγ"),
    "tr": ("güncel", "değiş", "son"),
    "he": ("עודכן", "עדכון", "שונה", "שינוי", "אחרון", "אחרונה"),
    "ja": ("更新", "最終", "変更"),
    "zh": ("更新", "修改", "最后", "最後", "最近"),
    "ko": ("수정", "업데이트", "갱신", "최종", "마지막", "변경"),
}  # fmt: skip
FIRST: Words = {
    "pl": ("pierwsz", "początkow"),
    "cs": ("první", "počáteční"),
    "ru": ("первый", "первого", "первая", "первой", "первое", "первичн"),
    "uk": ("перша", "першої", "перший", "першого"),
    "el": ("πρώτη", "πρώτος", "πρώτο", "αρχικ"),
    "tr": ("ilk",),
    "he": ("ראשונה", "ראשון"),
    "ja": ("初回", "最初"),
    "zh": ("首次", "第一次"),
    "ko": ("첫", "최초"),
}
RESPONSE: Words = {
    "pl": ("ankiet", "badanie"),
    "cs": ("průzkum", "dotazník"),
    "ru": ("опрос", "анкет"),
    "uk": ("опитуван", "анкет"),
    "el": ("έρευνα", "ερωτηματολόγ"),
    "tr": ("anket",),
    "he": ("סקר",),
    "ja": ("アンケート",),
    "zh": ("调查", "調查", "问卷", "問卷"),
    "ko": ("설문",),
}
TITLE: Words = {
    "pl": ("temat", "tytuł", "nazwa", "kategori", "firma", "podsumow", "krótki opis"),
    "cs": ("předmět", "název", "titulek", "shrnutí", "kategori", "společnost", "firma"),
    "ru": ("тема", "заголов", "назван", "краткое описание", "категори", "компани"),
    "uk": ("тема", "заголов", "назва", "категорі", "компані"),
    "el": ("θέμα", "τίτλος", "περίληψ", "κατηγορ", "εταιρ"),
    "tr": ("konu", "başlık", "özet", "kategori", "şirket"),
    "he": ("נושא", "כותרת", "תקציר", "קטגוריה", "חברה"),
    "ja": ("件名", "題名", "タイトル", "概要", "カテゴリ", "分類", "種別", "会社"),
    "zh": ("主题", "标题", "摘要", "类别", "分类", "公司", "主題", "標題", "類別", "分類"),
    "ko": ("제목", "요약", "분류", "카테고리", "회사"),
}  # fmt: skip
NOTE: Words = {
    "pl": ("notatk", "komentarz", "uwagi", "opis", "treść", "wiadomość"),
    "cs": ("poznámk", "komentář", "popis", "zpráva"),
    "ru": ("коммент", "примечан", "заметк", "описан", "текст", "сообщен"),
    "uk": ("комент", "примітк", "опис", "текст", "повідомлен"),
    "el": ("σημείωσ", "σχόλι", "περιγραφ", "κείμεν", "μήνυμα"),
    "tr": ("notlar", "yorum", "açıklama", "mesaj", "metin"),
    "he": ("הערה", "הערות", "תיאור", "הודעה", "תגובות"),
    "ja": ("コメント", "メモ", "備考", "内容", "本文", "説明", "詳細"),
    "zh": ("备注", "評論", "评论", "说明", "描述", "内容", "备註", "備註", "說明", "內容",
           "处理记录", "處理記錄"),
    "ko": ("메모", "댓글", "코멘트", "비고", "내용", "설명", "의견"),
}  # fmt: skip
ASSIGNEE: Words = {
    "pl": ("agent", "przypisan", "odpowiedzialn", "właściciel", "opiekun", "konsultant"),
    "cs": ("řešitel", "agent", "odpovědn", "vlastník", "operátor", "přiřazen"),
    "ru": ("исполнител", "ответствен", "агент", "оператор", "специалист", "сотрудник"),
    "uk": ("виконав", "відповідальн", "агент", "оператор", "фахів"),
    "el": ("υπεύθυν", "εκπρόσωπ", "χειριστ", "πράκτορ"),
    "tr": ("atanan", "temsilci", "sorumlu", "yetkili", "sahibi"),
    "he": ("נציג", "אחראי", "מטפל", "סוכן", "משויך"),
    "ja": ("担当", "対応者", "エージェント", "オペレーター"),
    "zh": ("负责人", "負責人", "处理人", "處理人", "受理人", "客服", "坐席", "经办人", "經辦人"),
    "ko": ("담당", "상담원", "처리자", "에이전트"),
}  # fmt: skip
NOT_ASSIGNEE: Words = {
    "pl": ("klient", "zgłaszając", "kontakt", "autor", "nadawc"),
    "cs": ("zákazník", "žadatel", "kontakt", "autor", "odesílatel"),
    "ru": ("клиент", "заявител", "инициатор", "контакт", "автор", "отправител", "заказчик"),
    "uk": ("клієнт", "заявник", "ініціатор", "контакт", "автор"),
    "el": ("πελάτ", "αιτών", "επαφή", "συντάκτ", "αποστολ"),
    "tr": ("müşteri", "talep eden", "iletişim", "yazar", "gönderen"),
    "he": ("לקוח", "פונה", "מבקש", "שולח", "איש קשר", "מדווח"),
    "ja": ("顧客", "お客様", "依頼者", "申請者", "問い合わせ者", "問合せ者", "連絡先",
           "報告者", "起票者"),
    "zh": ("客户", "客戶", "申请人", "申請人", "提交人", "联系人", "聯絡人", "报告人"),
    "ko": ("고객", "요청자", "신청자", "연락처", "작성자"),
}  # fmt: skip
FIELD: Words = {
    "pl": ("pole", "zdarzenie", "atrybut"),
    "cs": ("pole", "událost"),
    "ru": ("поле", "событие", "атрибут", "реквизит"),
    "uk": ("поле", "подія"),
    "el": ("πεδίο", "συμβάν"),
    "tr": ("alan", "olay"),
    "he": ("שדה", "אירוע"),
    "ja": ("項目", "フィールド"),
    "zh": ("字段", "栏位", "欄位", "事件"),
    "ko": ("필드", "항목", "이벤트"),
}
OLD: Words = {
    "pl": ("stara", "stary", "poprzedni", "przed"),
    "cs": ("stará", "starý", "původní", "předchozí"),
    "ru": ("старое", "прежнее", "предыдущ", "было"),
    "uk": ("старе", "попереднє", "було"),
    "el": ("παλιά", "προηγούμ"),
    "tr": ("eski", "önceki"),
    "he": ("ישן", "קודם"),
    "ja": ("変更前", "旧値", "以前の値"),
    "zh": ("旧值", "舊值", "原值", "变更前", "變更前"),
    "ko": ("이전", "변경 전"),
}
NEW: Words = {
    "pl": ("nowa", "nowy", "wartość", "po"),
    "cs": ("nová", "nový", "hodnota"),
    "ru": ("новое", "стало", "значение"),
    "uk": ("нове", "стало", "значення"),
    "el": ("νέα", "τιμή"),
    "tr": ("yeni", "değer"),
    "he": ("חדש", "ערך"),
    "ja": ("変更後", "新値", "新しい値"),
    "zh": ("新值", "变更后", "變更後"),
    "ko": ("새 값", "변경 후"),
}
STATUS_FIELD: Words = {
    "pl": ("status", "stan"),
    "cs": ("stav", "status"),
    "ru": ("статус", "состояние"),
    "uk": ("статус", "стан"),
    "el": ("κατάσταση",),
    "tr": ("durum",),
    "he": ("סטטוס", "מצב"),
    "ja": ("ステータス", "状態", "状況"),
    "zh": ("状态", "狀態"),
    "ko": ("상태",),
}
