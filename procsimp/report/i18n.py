"""Report wording in English and Vietnamese.

Every label of the report has both languages; :func:`t` picks one. A missing key is a bug that
the tests catch, so there is no silent fallback to the key itself.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("en", "vi")

STRINGS: dict[str, dict[str, str]] = {
    "title": {"en": "Procedure simplification report", "vi": "Báo cáo đơn giản hóa thủ tục hành chính"},
    "generated_from": {"en": "Event log", "vi": "Nhật ký sự kiện"},
    "calendar": {"en": "Work calendar", "vi": "Lịch làm việc"},
    "filters": {"en": "Filters", "vi": "Bộ lọc"},
    "no_filters": {"en": "none (every dossier)", "vi": "không có (toàn bộ hồ sơ)"},
    "index": {"en": "Services ranked by expected gain", "vi": "Các thủ tục xếp theo lợi ích dự kiến"},
    "index_note": {
        "en": "Expected gain = working days saved per dossier × dossiers in the log, from the proposal's replay estimate.",
        "vi": "Lợi ích dự kiến = số ngày làm việc tiết kiệm mỗi hồ sơ × số hồ sơ trong nhật ký, theo ước tính phát lại của phương án.",
    },
    "service": {"en": "Service", "vi": "Thủ tục"},
    "cases": {"en": "Dossiers", "vi": "Hồ sơ"},
    "events": {"en": "Events", "vi": "Sự kiện"},
    "activities": {"en": "Steps", "vi": "Bước"},
    "variants": {"en": "Variants", "vi": "Biến thể"},
    "in_catalog": {"en": "In catalog", "vi": "Có trong danh mục"},
    "not_in_catalog": {"en": "not in catalog", "vi": "không có trong danh mục"},
    "statutory_days": {"en": "Statutory time (working days)", "vi": "Thời hạn luật định (ngày làm việc)"},
    "lead_time": {"en": "Lead time", "vi": "Thời gian giải quyết"},
    "lead_time_days_mean": {"en": "Lead time, mean (calendar days)", "vi": "Thời gian giải quyết trung bình (ngày lịch)"},
    "lead_time_days_median": {"en": "Lead time, median (calendar days)", "vi": "Thời gian giải quyết trung vị (ngày lịch)"},
    "lead_time_days_p90": {"en": "Lead time, 90th percentile (calendar days)", "vi": "Thời gian giải quyết phân vị 90 (ngày lịch)"},
    "lead_time_workdays_mean": {"en": "Lead time, mean (working days)", "vi": "Thời gian giải quyết trung bình (ngày làm việc)"},
    "lead_time_workdays_median": {"en": "Lead time, median (working days)", "vi": "Thời gian giải quyết trung vị (ngày làm việc)"},
    "lead_time_workdays_p90": {"en": "Lead time, 90th percentile (working days)", "vi": "Thời gian giải quyết phân vị 90 (ngày làm việc)"},
    "on_time_rate": {"en": "On-time rate", "vi": "Tỷ lệ đúng hạn"},
    "steps_per_case": {"en": "Steps per dossier", "vi": "Số bước mỗi hồ sơ"},
    "handoffs_per_case": {"en": "Hand-offs per dossier", "vi": "Số lần chuyển giao mỗi hồ sơ"},
    "units_per_case": {"en": "Units per dossier", "vi": "Số đơn vị tham gia mỗi hồ sơ"},
    "rework_rate": {"en": "Rework rate", "vi": "Tỷ lệ làm lại"},
    "online_share": {"en": "Online share", "vi": "Tỷ lệ nộp trực tuyến"},
    "expected_gain": {"en": "Expected gain (working days)", "vi": "Lợi ích dự kiến (ngày làm việc)"},
    "saving_per_case": {"en": "Saved per dossier (working days)", "vi": "Tiết kiệm mỗi hồ sơ (ngày làm việc)"},
    "kpis": {"en": "Key figures", "vi": "Chỉ số chính"},
    "process_map": {"en": "Process map (as-is)", "vi": "Sơ đồ quy trình (hiện trạng)"},
    "frequency_map": {"en": "Frequency map", "vi": "Sơ đồ tần suất"},
    "performance_map": {"en": "Performance map (waiting time)", "vi": "Sơ đồ hiệu năng (thời gian chờ)"},
    "flags": {"en": "Steps flagged for simplification", "vi": "Các bước đề xuất đơn giản hóa"},
    "no_flags": {"en": "No step was flagged.", "vi": "Không có bước nào được đề xuất."},
    "step": {"en": "Step", "vi": "Bước"},
    "action": {"en": "Action", "vi": "Hành động"},
    "kind": {"en": "Finding", "vi": "Phát hiện"},
    "confidence": {"en": "Confidence", "vi": "Độ tin cậy"},
    "evidence": {"en": "Evidence", "vi": "Bằng chứng"},
    "explanation": {"en": "Why", "vi": "Lý do"},
    "proposal": {"en": "Proposed to-be workflow", "vi": "Quy trình đề xuất"},
    "before": {"en": "As-is", "vi": "Hiện trạng"},
    "after": {"en": "To-be (estimate)", "vi": "Đề xuất (ước tính)"},
    "change": {"en": "Change", "vi": "Thay đổi"},
    "simulated": {"en": "To-be (simulation, 95% interval)", "vi": "Đề xuất (mô phỏng, khoảng tin cậy 95%)"},
    "edits": {"en": "Edits applied", "vi": "Các thay đổi được áp dụng"},
    "refused": {"en": "Edits refused (protected or decision steps)", "vi": "Thay đổi bị từ chối (bước được bảo vệ hoặc bước quyết định)"},
    "recommendations": {"en": "Recommendations (not workflow edits)", "vi": "Khuyến nghị (không thay đổi quy trình)"},
    "assumptions": {"en": "Assumptions behind the estimate", "vi": "Giả định của ước tính"},
    "as_is_to_be": {"en": "As-is and to-be side by side", "vi": "So sánh hiện trạng và đề xuất"},
    "downloads": {"en": "Files", "vi": "Tệp"},
    "language": {"en": "Tiếng Việt", "vi": "English"},
    "back": {"en": "Back to the index", "vi": "Về danh sách"},
    "warnings": {"en": "Data-quality warnings", "vi": "Cảnh báo chất lượng dữ liệu"},
    "model_quality": {"en": "Model quality", "vi": "Chất lượng mô hình"},
    "fitness": {"en": "fitness", "vi": "độ phù hợp"},
    "precision": {"en": "precision", "vi": "độ chính xác"},
    "a_eliminate": {"en": "eliminate", "vi": "loại bỏ"},
    "a_merge": {"en": "merge", "vi": "gộp"},
    "a_parallelize": {"en": "run in parallel", "vi": "làm song song"},
    "a_move_earlier": {"en": "move earlier", "vi": "đưa lên sớm hơn"},
    "a_automate": {"en": "automate or reassign", "vi": "tự động hóa hoặc phân công lại"},
    "a_fix_rework": {"en": "fix the cause of rework", "vi": "khắc phục nguyên nhân làm lại"},
    "none": {"en": "none", "vi": "không có"},
    "k_relay_handoff": {"en": "relay hand-off", "vi": "bước chuyển tiếp trung gian"},
    "k_rubber_stamp": {"en": "rubber-stamp review", "vi": "bước xem xét hình thức"},
    "k_duplicate_check": {"en": "duplicate check", "vi": "kiểm tra trùng lặp"},
    "k_rework_loop": {"en": "rework loop", "vi": "vòng lặp làm lại"},
    "k_mergeable": {"en": "mergeable steps", "vi": "các bước có thể gộp"},
    "k_parallelizable": {"en": "steps that can run in parallel", "vi": "các bước có thể làm song song"},
    "k_late_knockout": {"en": "late knock-out", "vi": "loại hồ sơ muộn"},
    "k_waiting_hotspot": {"en": "waiting hot spot", "vi": "điểm nghẽn chờ đợi"},
}


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang`` (``"en"`` or ``"vi"``)."""
    return STRINGS[key][lang]
