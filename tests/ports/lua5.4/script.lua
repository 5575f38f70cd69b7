-- io: read the data file from the boot archive, write to a disk
local f = assert(io.open("/data.txt", "r"))
local words = {}
for line in f:lines() do
  for w in line:gmatch("%a+") do words[#words + 1] = w:upper() end
end
f:close()
io.write(string.format("words=%d first=%s last=%s\n", #words, words[1], words[#words]))
print("rep", string.rep("ab", 3, "-"), ("x=%5.2f"):format(math.pi))
print("gsub", (string.gsub("hello world", "o", "0")))
print("time", os.time() > 1600000000, os.date("!%Y", 0), type(os.clock()))
print("env", os.getenv("GREETING"))
local out = io.open("/disk/out.txt", "w")
if out then out:write(table.concat(words, ",")) out:close() print("wrote") end
os.exit(7)
