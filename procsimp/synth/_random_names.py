"""Words of the randomised procedure family: step, unit and service names composed afresh for
every draw (:mod:`procsimp.synth._random`).

Each grammar role has several phrasings (verb and object synonyms, in Vietnamese with
administrative wording and in English), and each draw also picks its document noun, its units
and a place, so that two draws rarely share a step name and a detector cannot key on names.
Placeholders: ``{doc}`` the draw's document noun, ``{dept}`` the handling department,
``{body}`` a consulted body, ``{lead}`` the signing leadership.
"""

from __future__ import annotations

__all__ = ["PHRASES", "SUBJECTS", "DOCS", "PLACES", "UNIT_NAMES"]

#: (vi, en) subject of a service; the service name is "<subject> (<national code>)"
SUBJECTS: tuple[tuple[str, str], ...] = (
    ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a private house"),
    ("Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "First land-use right certificate"),
    ("Đăng ký hộ kinh doanh", "Household business registration"),
    ("Cấp giấy phép kinh doanh bán lẻ rượu", "Retail liquor licence"),
    ("Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm", "Food safety certificate"),
    ("Đăng ký kết hôn có yếu tố nước ngoài", "Marriage registration with a foreign party"),
    ("Cấp phép khai thác nước dưới đất", "Groundwater extraction permit"),
    ("Thẩm định thiết kế phòng cháy chữa cháy", "Fire-safety design approval"),
    ("Cấp giấy phép lao động cho người nước ngoài", "Work permit for a foreign worker"),
    ("Công nhận tổ hợp tác", "Recognition of a cooperative group"),
    ("Cấp giấy phép hoạt động karaoke", "Karaoke business licence"),
    ("Đăng ký biến động đất đai", "Land change registration"),
    ("Giải quyết trợ cấp xã hội hằng tháng", "Monthly social allowance"),
    ("Cấp giấy phép đào đường", "Road excavation permit"),
    ("Xác nhận đăng ký kế hoạch bảo vệ môi trường", "Environmental protection plan registration"),
    ("Cấp chứng chỉ hành nghề dược", "Pharmacy practice certificate"),
    ("Chuyển mục đích sử dụng đất", "Change of land use"),
    ("Cấp giấy phép quảng cáo ngoài trời", "Outdoor advertising permit"),
    ("Đăng ký thành lập cơ sở giáo dục mầm non", "Opening a pre-school"),
    ("Hỗ trợ hộ nghèo xây nhà", "Housing support for poor households"),
    ("Cấp giấy phép sử dụng vật liệu nổ công nghiệp", "Industrial explosives licence"),
    ("Thu hồi, cấp đổi giấy chứng nhận", "Certificate replacement"),
    ("Cấp phép chặt hạ cây xanh", "Tree felling permit"),
    ("Đăng ký cấp nước sinh hoạt", "Household water connection"),
)

#: (vi, en) names of the dossier
DOCS: tuple[tuple[str, str], ...] = (
    ("hồ sơ", "dossier"), ("bộ hồ sơ", "file"), ("hồ sơ đề nghị", "application"),
    ("hồ sơ giấy", "paper file"), ("hồ sơ điện tử", "e-dossier"), ("đơn và hồ sơ", "request"),
)

#: places that qualify unit names
PLACES: tuple[tuple[str, str], ...] = (
    ("huyện Đông Anh", "Dong Anh district"), ("quận Hải Châu", "Hai Chau district"),
    ("thị xã Sơn Tây", "Son Tay town"), ("huyện Củ Chi", "Cu Chi district"),
    ("thành phố Vinh", "Vinh city"), ("huyện Lâm Hà", "Lam Ha district"),
    ("quận Ninh Kiều", "Ninh Kieu district"), ("thành phố Huế", "Hue city"),
    ("huyện Tam Nông", "Tam Nong district"), ("thị xã Buôn Hồ", "Buon Ho town"),
    ("huyện Thạch Thất", "Thach That district"), ("thành phố Thái Nguyên", "Thai Nguyen city"),
    ("huyện Châu Thành", "Chau Thanh district"), ("quận Lê Chân", "Le Chan district"),
    ("huyện Mộc Châu", "Moc Chau district"), ("thành phố Quy Nhơn", "Quy Nhon city"),
)

#: unit role -> (vi, en) names
UNIT_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "desk": (
        ("Bộ phận Một cửa", "One-stop shop"),
        ("Bộ phận Tiếp nhận và Trả kết quả", "Reception and results desk"),
        ("Trung tâm Phục vụ hành chính công", "Public service centre"),
        ("Quầy tiếp nhận hồ sơ", "Application counter"),
    ),
    "dept": (
        ("Phòng Tài nguyên và Môi trường", "Natural resources office"),
        ("Phòng Quản lý đô thị", "Urban management office"),
        ("Phòng Kinh tế", "Economic office"),
        ("Phòng Tư pháp", "Justice office"),
        ("Phòng Lao động - Thương binh và Xã hội", "Labour and social affairs office"),
        ("Phòng Văn hóa và Thông tin", "Culture and information office"),
        ("Phòng Tài chính - Kế hoạch", "Finance and planning office"),
        ("Phòng Y tế", "Health office"),
        ("Phòng Nông nghiệp và Phát triển nông thôn", "Agriculture office"),
        ("Phòng Kinh tế - Hạ tầng", "Economy and infrastructure office"),
    ),
    "dept_lead": (
        ("Lãnh đạo phòng", "Office heads"), ("Ban lãnh đạo phòng chuyên môn", "Specialist office management"),
        ("Trưởng phòng, Phó Trưởng phòng", "Head and deputy head of office"),
    ),
    "lead": (
        ("Lãnh đạo UBND", "People's Committee leadership"), ("Ban Giám đốc Sở", "Department directors"),
        ("Thường trực UBND", "Standing members of the People's Committee"), ("Lãnh đạo Chi cục", "Sub-department leadership"),
    ),
    "clerk": (
        ("Văn thư", "Records office"), ("Bộ phận Văn thư - Lưu trữ", "Records and archives"),
        ("Văn phòng HĐND và UBND", "Council and committee office"), ("Tổ văn thư", "Clerical team"),
    ),
    "body": (
        ("Chi cục Thuế", "Tax sub-department"), ("Công an huyện", "District police"),
        ("Sở Xây dựng", "Department of Construction"), ("Sở Tài nguyên và Môi trường", "Department of Natural Resources"),
        ("Ban Quản lý dự án", "Project management board"), ("UBND xã", "Commune People's Committee"),
        ("Công ty Điện lực", "Power company"), ("Sở Công Thương", "Department of Industry and Trade"),
        ("Phòng Cảnh sát PCCC", "Fire police"), ("Sở Y tế", "Department of Health"),
        ("Bảo hiểm xã hội", "Social insurance"), ("Sở Giao thông vận tải", "Department of Transport"),
        ("Ban Chỉ huy quân sự", "Military command"), ("Trung tâm Phát triển quỹ đất", "Land fund centre"),
    ),
    "finance": (
        ("Bộ phận Kế toán", "Accounts desk"), ("Kho bạc Nhà nước", "State treasury"),
        ("Tổ thu phí", "Fee collection team"),
    ),
    "postal": (("Bưu điện", "Post office"), ("Bưu chính công ích", "Public postal service")),
    "system": (
        ("Hệ thống thông tin giải quyết thủ tục hành chính", "Case-management system"),
        ("Phần mềm một cửa điện tử", "Electronic one-stop software"),
    ),
}

#: grammar role -> (vi, en) phrasings
PHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "receive": (
        ("Tiếp nhận {doc}", "Receive the {doc}"), ("Nhận {doc}, cấp giấy biên nhận", "Take in the {doc} and issue a receipt"),
        ("Ghi nhận {doc} vào sổ theo dõi", "Log the {doc}"), ("Lập phiếu tiếp nhận {doc}", "Open an intake slip for the {doc}"),
        ("Tiếp nhận {doc} trực tuyến và tại quầy", "Register the incoming {doc}"),
    ),
    "check": (
        ("Kiểm tra tính đầy đủ của {doc}", "Check the {doc} is complete"), ("Xem xét tính hợp lệ của {doc}", "Validate the {doc}"),
        ("Đối chiếu thành phần {doc}", "Compare the {doc} with the checklist"), ("Rà soát giấy tờ trong {doc}", "Screen the papers of the {doc}"),
        ("Thẩm tra sơ bộ {doc}", "Pre-screen the {doc}"),
    ),
    "request_supplement": (
        ("Yêu cầu bổ sung {doc}", "Ask for a supplement to the {doc}"), ("Hướng dẫn hoàn thiện {doc}", "Explain what the {doc} lacks"),
        ("Ra phiếu đề nghị bổ sung", "Issue a supplement request"), ("Thông báo thiếu giấy tờ", "Notify missing papers"),
    ),
    "resubmit": (
        ("Nhận giấy tờ bổ sung", "Receive the added papers"), ("Công dân nộp bổ sung {doc}", "Applicant completes the {doc}"),
        ("Tiếp nhận {doc} đã hoàn thiện", "Take back the completed {doc}"),
    ),
    "fee": (
        ("Thu phí, lệ phí", "Collect the fee"), ("Thu lệ phí giải quyết {doc}", "Charge the processing fee"),
        ("Nộp lệ phí theo quy định", "Pay the statutory fee"), ("Thu tiền lệ phí tại quầy", "Take the fee at the counter"),
    ),
    "desk_transfer": (
        ("Chuyển {doc} đến {dept}", "Transfer the {doc} to the {dept}"), ("Luân chuyển {doc} sang {dept}", "Route the {doc} to the {dept}"),
        ("Bàn giao {doc} cho {dept}", "Hand the {doc} over to the {dept}"), ("Gửi {doc} về {dept}", "Send the {doc} to the {dept}"),
        ("Chuyển giao {doc} cho bộ phận chuyên môn", "Pass the {doc} to the specialist office"),
    ),
    "required_transfer": (
        ("Chuyển thông tin sang {body}", "Forward the data to the {body}"), ("Gửi phiếu chuyển thông tin đến {body}", "Send the transfer slip to the {body}"),
        ("Luân chuyển {doc} liên thông sang {body}", "Route the {doc} on to the {body}"),
    ),
    "internal_relay": (
        ("Chuyển {doc} cho văn thư trình ký", "Pass the {doc} to the clerks for signature"),
        ("Chuyển {doc} lên lãnh đạo", "Send the {doc} up to management"),
        ("Bàn giao {doc} giữa các bộ phận", "Hand the {doc} between desks"), ("Chuyển tiếp {doc} nội bộ", "Relay the {doc} internally"),
    ),
    "assign": (
        ("Phân công xử lý {doc}", "Assign the {doc}"), ("Giao thụ lý", "Allocate to a caseworker"),
        ("Phân công chuyên viên phụ trách", "Designate the handling officer"), ("Giao việc cho cán bộ", "Dispatch to an officer"),
    ),
    "appraise": (
        ("Thẩm định {doc}", "Appraise the {doc}"), ("Thụ lý, đề xuất phương án", "Handle the case and propose an outcome"),
        ("Xử lý chuyên môn {doc}", "Do the casework on the {doc}"), ("Nghiên cứu, lập tờ trình", "Study the {doc} and draft a memo"),
        ("Xem xét, thẩm tra {doc}", "Examine the {doc}"),
    ),
    "draft": (
        ("Dự thảo kết quả", "Draft the decision"), ("Soạn thảo văn bản trả lời", "Write the reply"),
        ("Lập dự thảo giấy phép", "Prepare the draft permit"), ("Nhập kết quả thẩm định vào phần mềm", "Key the appraisal into the system"),
    ),
    "recheck": (
        ("Kiểm tra lại {doc}", "Re-check the {doc}"), ("Rà soát lại kết quả thẩm định", "Go over the appraisal again"),
        ("Soát xét lần hai", "Second review pass"), ("Đọc soát lại {doc}", "Read through the {doc} again"),
    ),
    "lookup": (
        ("Tra cứu thông tin quy hoạch", "Look up the zoning plan"), ("Tra cứu cơ sở dữ liệu dân cư", "Query the population database"),
        ("Tra cứu dữ liệu đất đai", "Query the land database"), ("Tra cứu lịch sử vi phạm", "Look up past violations"),
    ),
    "route_extra": (
        ("Xác minh thực địa", "Verify on site"), ("Kiểm tra hiện trạng", "Inspect the current state"),
        ("Xác minh bổ sung", "Further verification"), ("Đo đạc, kiểm tra thực tế", "Survey and check on the ground"),
    ),
    "swap_a": (
        ("Đối chiếu dữ liệu dân cư", "Match population data"), ("Kiểm tra thông tin chủ sở hữu", "Check the owner's details"),
        ("Xác thực giấy tờ tùy thân", "Authenticate the ID papers"),
    ),
    "swap_b": (
        ("Kiểm tra điều kiện quy hoạch", "Check the planning conditions"), ("Kiểm tra nghĩa vụ tài chính còn nợ", "Check outstanding dues"),
        ("Xem xét hồ sơ kỹ thuật", "Check the technical drawings"),
    ),
    "consult": (
        ("Lấy ý kiến {body}", "Consult the {body}"), ("Xin ý kiến {body}", "Ask the {body} for an opinion"),
        ("Gửi văn bản đề nghị {body} cho ý kiến", "Send the {body} a request for an opinion"), ("Phối hợp thẩm định với {body}", "Joint check with the {body}"),
        ("{body} có ý kiến", "Opinion of the {body}"),
    ),
    "review_deputy": (
        ("Phó Trưởng phòng xem xét", "Deputy head reviews"), ("Phó phòng kiểm tra tờ trình", "Deputy head checks the memo"),
        ("Lãnh đạo phòng cho ý kiến lần đầu", "First comments of the office management"),
    ),
    "review_head": (
        ("Trưởng phòng xem xét, duyệt", "Head of office reviews"), ("Trưởng phòng kiểm tra, ký nháy", "Head of office initials"),
        ("Lãnh đạo phòng duyệt tờ trình", "Office management clears the memo"), ("Trưởng phòng thẩm tra kết quả", "Head of office vets the result"),
    ),
    "submit": (
        ("Trình ký", "Submit for signature"), ("Trình lãnh đạo ký duyệt", "Present to management for signature"),
        ("Trình {lead} phê duyệt", "Submit to the {lead} for approval"), ("Chuyển trình ký kết quả", "Put the result up for signing"),
    ),
    "sign": (
        ("Ký duyệt kết quả", "Sign the result"), ("{lead} ký quyết định", "The {lead} signs the decision"),
        ("Phê duyệt và ký số", "Approve and sign digitally"), ("Ký ban hành văn bản", "Sign and issue"),
    ),
    "register": (
        ("Vào sổ, đóng dấu", "Register and stamp"), ("Cho số, đóng dấu phát hành", "Number, stamp and issue"),
        ("Đóng dấu, lưu hồ sơ", "Stamp and file"), ("Vào sổ văn bản đi", "Enter in the outgoing register"),
    ),
    "notice": (
        ("Thông báo nghĩa vụ tài chính", "Notify the amount due"), ("Gửi thông báo nộp tiền", "Send the payment notice"),
        ("Ra thông báo thuế", "Issue the tax notice"),
    ),
    "payment": (
        ("Người nộp hoàn thành nghĩa vụ tài chính", "Applicant pays the amount due"), ("Xác nhận đã nộp tiền", "Confirm the payment"),
        ("Nhận chứng từ nộp tiền", "Receive the payment receipt"),
    ),
    "penalty": (
        ("Tính tiền chậm nộp", "Add late-payment penalty"), ("Cộng tiền phạt chậm nộp", "Add the late fee"),
        ("Áp dụng tiền phạt do quá hạn", "Apply the overdue penalty"),
    ),
    "instalment": (
        ("Nộp tiền theo đợt", "Pay an instalment"), ("Thu tiền từng đợt", "Collect an instalment"),
        ("Ghi nhận khoản thanh toán định kỳ", "Record a scheduled payment"),
    ),
    "periodic_test": (
        ("Lấy mẫu kiểm nghiệm định kỳ", "Take a periodic test sample"), ("Kiểm tra định kỳ", "Periodic inspection"),
        ("Xét nghiệm mẫu", "Test a sample"),
    ),
    "reminder": (
        ("Gửi thông báo nhắc", "Send a reminder"), ("Nhắc nhở người nộp", "Remind the applicant"),
        ("Thông báo lần tiếp theo", "Send a follow-up notice"),
    ),
    "appeal": (
        ("Tiếp nhận đơn kiến nghị của bên liên quan", "Objection lodged by a third party"),
        ("Nhận khiếu nại về kết quả", "Complaint about the decision received"),
        ("Tiếp nhận ý kiến phản đối của hộ liền kề", "Neighbour's objection received"),
    ),
    "withdraw": (
        ("Dừng giải quyết theo đề nghị của người nộp", "Stop on the applicant's request"),
        ("Rút hồ sơ theo yêu cầu", "Withdraw the {doc} on request"), ("Chấm dứt xử lý hồ sơ", "Terminate on request"),
    ),
    "return_desk": (
        ("Trả kết quả tại quầy", "Hand over the result at the desk"), ("Trả kết quả cho người nộp", "Return the result to the applicant"),
        ("Bàn giao kết quả giải quyết", "Deliver the outcome"), ("Trả kết quả", "Return the result"),
    ),
    "return_post": (
        ("Gửi kết quả qua bưu điện", "Post the result"), ("Chuyển phát kết quả qua bưu chính", "Send the result by courier"),
        ("Trả kết quả qua dịch vụ bưu chính công ích", "Return the result through the public post"),
    ),
    "notify_rejection": (
        ("Thông báo từ chối giải quyết", "Notify the refusal"), ("Trả lại {doc}, nêu rõ lý do", "Return the {doc} with the reasons"),
        ("Ra văn bản không giải quyết", "Issue a refusal letter"),
    ),
}
