-- wrk script: Twilio create-message POST (form body, HTTP Basic auth).
-- Usage: wrk -t2 -c64 -d10s -s twilio_post.lua http://127.0.0.1:PORT
local sid = "AC0123456789abcdef0123456789abcdef"
wrk.method = "POST"
wrk.path = "/2010-04-01/Accounts/" .. sid .. "/Messages.json"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
-- base64("AC0123456789abcdef0123456789abcdef:bench-token")
wrk.headers["Authorization"] = "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpiZW5jaC10b2tlbg=="
wrk.body = "To=%2B14155552345&From=%2B14155550000&Body=Your+flowcomm+code+is+123456&StatusCallback=https%3A%2F%2Fexample.com%2Fcb"

local non201 = 0
response = function(status, headers, body)
	if status ~= 201 then non201 = non201 + 1 end
end
